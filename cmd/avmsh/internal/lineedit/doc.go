// Package lineedit is the shell's terminal line editor, built on raw
// mode from golang.org/x/term: a prompt with history (up/down, Ctrl-R
// incremental search; the store and the search are node/shellsession's,
// the one history both shells use: the shell gives its file, else it is
// kept in memory), Tab completion, Ctrl-G reported to the
// caller (ErrJobControl), Emacs-style editing keys, multi-row Erlang commands read
// until their terminating dot (one buffer, one history entry), and
// output from other goroutines (remote io:format) printed above the
// prompt without corrupting the command being typed. On a non-terminal
// input it reads plain lines and writes no escape codes.
//
// The terminal is in raw mode only while a read is on screen; between
// reads (while a command runs) it is in its normal mode, so Ctrl-C is a
// SIGINT for the shell to turn into an interrupt (and, after
// CtrlGSignals, Ctrl-G a SIGQUIT for its job-control menu; a SIGQUIT
// that comes when no command runs, between one's end and the next
// prompt, is handed back with QueueCtrlG and read as a key in its
// place among the keys typed ahead). Input is read by one
// goroutine (poll(2) with a wake-up pipe on a terminal, so Close ends
// it), which keeps keys typed ahead for the next read.
package lineedit

// Package lineedit is the shell's terminal line editor: a prompt with
// history (up/down, Ctrl-R search, persisted under the XDG state
// directory), tab completion, multi-line Erlang commands read until
// their terminating dot, and output from other goroutines (remote
// io:format) printed above the prompt without corrupting the line being
// typed. On a non-terminal input it reads plain lines and writes no
// escape codes. It builds on github.com/chzyer/readline.
package lineedit

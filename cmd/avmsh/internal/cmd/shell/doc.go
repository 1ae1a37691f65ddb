// Package shellcmd implements `avmsh shell`: an Erlang REPL on a node.
// The session (evaluator, quit rule, meta-commands, completion, Ctrl-G
// menu, history file) is node/shellsession's, shared with the
// dashboard's pane; this package is its terminal front-end: the line
// editor (cmd/avmsh/internal/lineedit), signals (Ctrl-C interrupts,
// Ctrl-G during an evaluation opens the menu, SIGTERM ends) and the exit
// code of scripts.
package shellcmd

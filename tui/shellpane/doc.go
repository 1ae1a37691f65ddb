// Package shellpane is the TUI's shell: the REPL of `avmsh shell` for
// the node selected in the cluster view. On BEAM nodes it is the
// terminal of OTP's own shell running there (prompts and results come
// from it, commands go to it whole); elsewhere it runs avmsh's
// evaluator. Its Terminal carries group-leader output into the
// scrollback and io:get_line requests to the input line. Pane wraps the
// model as a dashboard view (view.View).
package shellpane

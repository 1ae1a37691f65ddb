// Package shellsession is the shell both front-ends run: `avmsh shell`
// (cmd/avmsh/internal/cmd/shell, with its line editor) and the
// dashboard's shell pane (tui/shellpane, with its text input). A
// Session owns everything but the editing of the line:
//
//   - the evaluator: OTP's own shell on a BEAM target (node/remsh), or
//     avmsh's Go evaluator (vm/erl through node/shellhost) on AtomVM,
//     avmsh and local targets, or when asked for;
//   - the quit rule (IsQuit): q(), halt(), init:stop(), erlang:halt()
//     and c:q() typed as a command leave the shell and never stop the
//     target, with either evaluator;
//   - the meta-commands (:help, :nodes, :connect, :target, :devices,
//     :quit) and the job-control menu of Ctrl-G (i, c, j, q, h);
//   - Tab's candidates (Complete): Mod:functions, modules, registered
//     names, bound variables, shell built-ins, meta-commands, node
//     names (connected ones and those epmd lists);
//   - the history file (History), shared by both front-ends.
//
// A front-end gives the session a Terminal (output, one-line reads for
// io:get_line and the menu, whole-command reads for the prompt) and runs
// Session.Run; Interrupt is its Ctrl-C.
//
// It lives under node/ beside the two evaluator hosts it composes
// (node/remsh, node/shellhost); it is not a CLI or TUI package because
// both use it.
package shellsession

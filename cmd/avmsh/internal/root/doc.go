// Package root builds avmsh's cobra command tree: it wires every command
// package under the root command and maps errors to exit codes. A run
// builds only the command its arguments name (help, completion and
// plugins get the whole tree), and watches Ctrl-C only once a command
// runs: both are part of every command's start-up (docs/benchmarks.md,
// "Start-up").
package root

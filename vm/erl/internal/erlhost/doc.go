// Package erlhost implements eval.Host on a real OTP node started with
// internal/erltest, for the evaluator's interop tests and benchmarks:
// module calls run on the node (arguments and results travel as
// external term format), and the shell process is a mailbox process on
// that node whose queue Receive inspects and takes from.
package erlhost

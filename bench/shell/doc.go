// Command shell measures `avmsh eval NODE '1+1.'` against `erl_call -e`
// (stdin "1+1.") in the same run, against one running OTP node: whole
// process wall time, interleaved runs, medians and the ratio (target
// ≤ 1.0×). For the breakdown it also times the binary's start alone
// (`avmsh --version`), a scripted OTP shell (`avmsh shell NODE` with
// "1+1." on stdin, remote evaluator), and in-process the node's own work
// (start a node, connect, evaluate, stop) and one command in a running
// session, which is what each Enter costs in `avmsh shell`. slimeval
// (bench/shell/slimeval) is eval in a binary without the rest of the
// CLI, to tell the binary's size and inits from the work.
//
// Usage: go run ./bench/shell [-runs 20]
package main

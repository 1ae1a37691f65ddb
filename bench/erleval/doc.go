// Command erleval-bench compares avmsh's shell evaluator (packages
// vm/erl/parse and vm/erl/eval) with OTP's own shell evaluation on a real
// BEAM node started by the benchmark: each iteration scans, parses,
// checks (erl_lint) and evaluates the same expression with the same
// bindings on both sides, in the same run; it prints the time per
// iteration and the ratio BEAM/Go (higher is better for avmsh). OTP's
// loop is a compiled module calling erl_scan:string/1,
// erl_parse:parse_exprs/1, erl_eval:check_command/2 and erl_eval:exprs/2.
//
//	go run ./bench/erleval [-n 200] [-rounds 3]
package main

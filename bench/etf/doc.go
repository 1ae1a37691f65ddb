// Command etf compares avmsh's external term format codec with BEAM's
// binary_to_term/1 and term_to_binary/1 over the shared term corpus, in
// one run on one machine, and prints the ratio ours/BEAM (target ≤ 1.0).
//
//	go run ./bench/etf [-rounds 5] [-min 300ms]
//
// BEAM is timed inside Erlang (timer:tc around many iterations in a
// compiled module), so no I/O is measured on either side. Both sides
// decode the same bytes: OTP's own term_to_binary output.
package main

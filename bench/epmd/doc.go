// Command epmd-bench compares avmsh's epmd server with OTP's epmd: the
// same Go client does PORT_PLEASE2 lookups (one TCP connection each, as
// Erlang nodes do) against both, at several concurrency levels, in the
// same run, alternating which goes first in each round; it prints the
// median lookups/s and the ratio avmsh/OTP (above 1 means avmsh is
// faster), and the CPU time each server spent per lookup.
//
// By default avmsh's server runs in a child process (this program
// re-executed with -serve), as OTP's does; -inprocess runs it inside
// the benchmark process, as an embedded epmd runs inside avmsh.
//
//	go run ./bench/epmd [-d 500ms] [-rounds 5] [-levels 1,4,16,64] [-inprocess]
package main

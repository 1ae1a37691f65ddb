// Command dist benchmarks avmsh's distribution against BEAM in one run,
// over several rounds: fire-and-forget throughput (avmsh→BEAM,
// BEAM→avmsh and BEAM→BEAM, one sender, small messages and 64 KiB
// binaries), ping-pong round trips (avmsh↔BEAM vs BEAM↔BEAM) and the
// memory of 100k idle processes (avmsh vs BEAM). Beside avmsh it runs
// the floor: a raw Go peer that exchanges the same packets with BEAM
// from one goroutine with nothing else to do (raw.go), and for memory a
// minimal Go program of parked goroutines with mailboxes. It prints the
// median of each measure over the rounds and the spread of the ratios.
//
//	go run ./bench/dist [-rounds 5] [-n 200000] [-big 2000] [-rtt 20000] [-procs 100000] [-only tput,big,rtt,ref,mem]
package main

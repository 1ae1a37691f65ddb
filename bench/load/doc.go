//go:build !windows

// Command load measures how long a changed module takes to reach a
// running node: from writing the changed .beam on disk to the new code
// answering an rpc. In the same run, against the same erl node:
//
//   - OTP's c:nl/1 over TCP, run on a second erl node that has the
//     module in its code path (the anchor): write, c:nl(m), then
//     rpc:call the target until the new version answers;
//   - avmsh over TCP (node/codeload, as `avmsh load` and the watch loop
//     do): write, read and check the file, load, rpc until it answers;
//   - avmsh over a serial line paced to 115200 baud 8N1 by a relay
//     (node/serialnode/relay), the erl node being put on the line by
//     node/serialnode/bridge: once gzip-compressed (the BEAM path) and
//     once uncompressed (as many bytes as AtomVM would get, more).
//
// Run it with:
//
//	go run ./bench/load [-size 10240] [-rounds 7] [-baud 115200] [-atomvm BIN -atomvmlib AVM]
//
// With -atomvm, the changes are also loaded into a real AtomVM over a
// paced serial line (atomvm.go).
//
// The module is generated so that its stripped form (what AtomVM gets)
// is about -size bytes. Medians are printed with the ratio to nl/1.
package main

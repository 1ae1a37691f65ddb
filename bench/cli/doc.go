// Command cli measures whole-process start-up and one-shot RPCs from the
// command line, against the same running OTP node in one run:
//
//	avmsh rpc NODE erlang node             vs  erl_call -sname NODE -a 'erlang node []'
//	floor NODE                             the least a Go program does for the same RPC
//	floor, avmsh's deps                    ... linking every package avmsh links (rpc link floor)
//	avmsh --version                        vs  a Go hello-world
//	hello, avmsh's deps                    the hello-world linking every package avmsh links
//	hello, CLI deps                        ... every package the one-shot commands link (no dashboard)
//	erl -noshell -eval 'rpc:call(...)'     (with -erl)
//	avmsh eval NODE '1+1.'                 vs  erl_call -e   (with -eval)
//
// avmsh, the hello-world (bench/cli/hello) and the floor (bench/cli/floor)
// are built with the release's flags (CGO_ENABLED=0 -trimpath -ldflags=-s
// -w and the version stamped with -X, as goreleaser.yaml builds avmsh),
// or with the toolchain's defaults with -defaultbuild. The tools run
// interleaved, in a new random order each round, so that load changes on
// a shared machine and the after-effects of one tool on the next (erl
// connecting to the node, caches) hit them alike; the
// table gives the median, the 10th and 90th percentiles of the wall time
// (fork+exec to exit), the median CPU time, minor page faults and context
// switches (getrusage; not the peak RSS, for which Linux reports the
// larger of the tool's and the forking benchmark's), and the system calls
// of one run under strace -f -c when strace is installed.
//
// The two link floors are hello-worlds that blank-import the packages of
// `go list -deps` (of ./cmd/avmsh, and of the command packages but the
// dashboard's), laid in cmd/avmsh through the go command's -overlay:
// Go runs the init of every linked package, so they are the least a
// binary linking those packages costs at start-up before main runs. The
// rpc link floor is bench/cli/floor built the same way (its main.go
// beside the blank imports of every package ./cmd/avmsh links): the
// floor of `avmsh rpc` for a single binary that carries the dashboard
// too, as avmsh does (docs/benchmarks.md, "Start-up").
//
// With -baseline REV, avmsh as built from git revision REV runs in the
// same rounds (before/after in one run).
//
// Usage: go run ./bench/cli [-runs 30] [-eval] [-erl] [-defaultbuild] [-baseline REV]
package main

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
// same rounds (before/after in one run); -bin A,B adds `rpc` of prebuilt
// avmsh binaries to the rounds (they are rewritten in place, see
// -cache), and -keep DIR leaves every binary built in DIR for profiling
// by hand.
//
// Every binary is measured in one page-cache state (-cache): how its
// pages came into the page cache changes what each page fault of the
// start-up costs, and the bigger the binary the more. "read" (the
// default) drops each binary from the page cache after writing it anew,
// so that the warm-up run reads it back through page faults, as the
// first run after a reboot does and as it stays; "installed" measures it
// just after it was written with write(2), as `go install` and the
// release archive leave it; "linked" as the linker left it (the method
// before 7 December 2026). On this machine "installed" ran every tool
// faster and took avmsh rpc from 594 to 460 faults; the ratios moved by
// a few per cent (docs/benchmarks.md, "Start-up").
//
// Usage: go run ./bench/cli [-runs 30] [-eval] [-erl] [-defaultbuild] [-baseline REV] [-bin A,B] [-cache read|installed|linked] [-keep DIR]
package main

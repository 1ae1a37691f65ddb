// Command avmsh is a terminal tool and REPL for mixed AtomVM/BEAM Erlang
// clusters. Run `avmsh --help` for the command list.
package main

// Command hello is the start-up floor of a Go binary: it prints one line
// and exits. bench/cli builds it with avmsh's release flags and times it
// beside `avmsh --version`.
package main

package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"

	"github.com/avmsh/avmsh/epmd"
	"github.com/avmsh/avmsh/node"
	"github.com/avmsh/avmsh/node/shellhost"
	"github.com/avmsh/avmsh/vm/term"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: slimeval NODE 'Expr.'")
		os.Exit(2)
	}
	os.Exit(run(os.Args[1], os.Args[2]))
}

func run(target, src string) int {
	host := "localhost"
	if i := strings.IndexByte(target, '@'); i >= 0 {
		host = target[i+1:]
	} else if h, err := os.Hostname(); err == nil {
		host = strings.SplitN(h, ".", 2)[0]
		target += "@" + host
	}
	port := 4369
	if p, err := strconv.Atoi(os.Getenv("ERL_EPMD_PORT")); err == nil {
		port = p
	}
	var b [4]byte
	_, _ = rand.Read(b[:])
	ctx := context.Background()
	n, err := node.Start(ctx, node.Config{
		Name: "slim_" + hex.EncodeToString(b[:]) + "@" + host, Cookie: os.Getenv("AVMSH_COOKIE"),
		PortMapper: &epmd.PortMapper{Port: port}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 3
	}
	defer n.Stop()
	if err := n.Connect(ctx, term.Atom(target)); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 3
	}
	s, h, err := shellhost.NewSession(n, term.Atom(target), shellhost.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 3
	}
	defer h.Close()
	out, err := s.Eval(ctx, src+"\n")
	fmt.Print(out)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 3
	}
	if s.Failed() {
		return 1
	}
	return 0
}

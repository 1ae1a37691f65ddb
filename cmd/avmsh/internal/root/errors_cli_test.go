//go:build !windows

package root

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/avmsh/avmsh/internal/erltest"
	"github.com/avmsh/avmsh/node"
	"github.com/avmsh/avmsh/node/serialdist/serialtest"
	"github.com/avmsh/avmsh/node/serialnode"
)

const deepHelpers = `-module(deep).
-export([tuple/1]).
tuple(N) -> lists:foldl(fun(_, A) -> {A} end, 0, lists:seq(1, N)).
`

// TestCLITermTooDeep (issue 15, item 7): a term nested deeper than the
// node's limit is reported as what it is — with the limit and how to
// raise it — not as a lost connection with a shell's `:connect` hint;
// our own term too deep to send is a usage error (2), an answer too deep
// to decode exits 1; and the -v log names our node once per line.
func TestCLITermTooDeep(t *testing.T) {
	e := erltest.Start(t, erltest.Options{Modules: map[string]string{"deep": deepHelpers}})
	env := map[string]string{"ERL_EPMD_PORT": strconv.Itoa(e.EpmdPort), "AVMSH_COOKIE": e.Cookie}
	with := func(k, v string) map[string]string {
		m := map[string]string{k: v}
		for k, v := range env {
			m[k] = v
		}
		return m
	}
	notLost := func(what string, r run) {
		t.Helper()
		for _, bad := range []string{":connect", "no connection", "not connected"} {
			if strings.Contains(r.err, bad) {
				t.Errorf("%s: reported as a lost connection (%q): %s", what, bad, r.err)
			}
		}
	}

	// The answer is too deep: exit 1, the limit and the variable named.
	r := avmsh(t, env, "", "rpc", e.Name, "deep", "tuple", "12000")
	if r.code != 1 || !strings.Contains(r.err, "deeper than 10000 levels") || !strings.Contains(r.err, "AVMSH_MAX_TERM_DEPTH") {
		t.Fatalf("rpc with a too-deep answer: %+v", r)
	}
	notLost("rpc answer", r)
	r = avmsh(t, env, "", "eval", e.Name, "deep:tuple(12000).")
	if r.code != 1 || !strings.Contains(r.err, "deeper than 10000 levels") {
		t.Fatalf("eval with a too-deep answer: %+v", r)
	}
	notLost("eval answer", r)
	// Raised, it goes through.
	r = avmsh(t, with("AVMSH_MAX_TERM_DEPTH", "20000"), "", "rpc", e.Name, "erlang", "tuple_size", "--args", "[{a}]")
	if r.code != 0 {
		t.Fatalf("rpc with a raised limit: %+v", r)
	}
	r = avmsh(t, with("AVMSH_MAX_TERM_DEPTH", "20000"), "", "eval", e.Name, "erlang:size(deep:tuple(12000)).")
	if r.code != 0 || r.out != "1\n" {
		t.Fatalf("eval with a raised limit: %+v", r)
	}
	r = avmsh(t, with("AVMSH_MAX_TERM_DEPTH", "many"), "", "rpc", e.Name, "erlang", "node")
	if r.code != 2 || !strings.Contains(r.err, "AVMSH_MAX_TERM_DEPTH") {
		t.Fatalf("a bad AVMSH_MAX_TERM_DEPTH: %+v", r)
	}

	// Our own argument is too deep to send: exit 2, nothing sent.
	deepArg := strings.Repeat("[", 60) + strings.Repeat("]", 60)
	r = avmsh(t, with("AVMSH_MAX_TERM_DEPTH", "50"), "", "rpc", e.Name, "erlang", "length", deepArg)
	if r.code != 2 || !strings.Contains(r.err, "deeper than 50 levels") || !strings.Contains(r.err, "nothing was sent") {
		t.Fatalf("rpc with a too-deep argument: %+v", r)
	}
	notLost("rpc argument", r)
	r = avmsh(t, env, "", "eval", e.Name, "X = lists:foldl(fun(_, A) -> {A} end, 0, lists:seq(1, 12000)), erlang:phash2(X).")
	if r.code != 2 || !strings.Contains(r.err, "deeper than 10000 levels") {
		t.Fatalf("eval with a too-deep argument: %+v", r)
	}
	notLost("eval argument", r)

	// -v: one node= per log line (the peer is peer=).
	r = avmsh(t, env, "", "rpc", "-v", e.Name, "deep", "tuple", "12000")
	if !strings.Contains(r.err, "peer="+e.Name) {
		t.Fatalf("-v log: %s", r.err)
	}
	for _, line := range strings.Split(r.err, "\n") {
		if strings.Count(line, " node=") > 1 {
			t.Errorf("-v log line repeats node=: %s", line)
		}
	}
}

// TestCLIWrongCookie (issue 15, item 15 and the node/ wording): a wrong
// cookie is explained once — the error says the cookies differ and how
// that showed, one hint says how to give the right one — over TCP and
// over a serial port.
func TestCLIWrongCookie(t *testing.T) {
	e := erltest.Start(t, erltest.Options{})
	bad := map[string]string{"ERL_EPMD_PORT": strconv.Itoa(e.EpmdPort), "AVMSH_COOKIE": "wrong"}
	check := func(what string, r run) {
		t.Helper()
		if r.code != 3 || !strings.Contains(r.err, "did not accept ours") && !strings.Contains(r.err, "made with another cookie") {
			t.Fatalf("%s: %+v", what, r)
		}
		if n := strings.Count(r.err, "--cookie"); n != 1 {
			t.Errorf("%s: --cookie is suggested %d times: %s", what, n, r.err)
		}
		if n := strings.Count(r.err, "cookies differ"); n != 1 {
			t.Errorf("%s: \"cookies differ\" appears %d times: %s", what, n, r.err)
		}
	}
	check("tcp", avmsh(t, bad, "", "rpc", e.Name, "erlang", "node"))

	pa, pb := serialtest.SocatPair(t)
	hub, err := serialnode.Start(context.Background(), serialnode.Config{
		Node:   node.Config{Name: "hub@serial.local", Cookie: "right", ListenAddr: "-", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))},
		Listen: []string{"serial:" + pb},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer hub.Stop()
	check("serial", avmsh(t, map[string]string{"AVMSH_COOKIE": "wrong"}, "", "rpc", "--timeout", erltest.Timeout(20*time.Second).String(), "serial:"+pa, "erlang", "node"))
}

// TestCLIUnreachableSerialNode (issue 15, item 14): when nothing answers
// on a serial port, the error names the port and the handshake step, not
// an empty node name ("handshake with  failed").
func TestCLIUnreachableSerialNode(t *testing.T) {
	pa, _ := serialtest.SocatPair(t)
	r := avmsh(t, map[string]string{"AVMSH_COOKIE": "c"}, "", "rpc", "--timeout", "2s", "serial:"+pa, "erlang", "node")
	want := fmt.Sprintf("handshake over serial %s failed at ", pa)
	if r.code != 3 || !strings.Contains(r.err, want) || strings.Contains(r.err, "with  ") {
		t.Fatalf("rpc to a silent serial port: %+v\nwant %q in the error", r, want)
	}
	if strings.Contains(r.err, "i/o timeout: i/o timeout") {
		t.Errorf("the timeout is told twice: %s", r.err)
	}
}

package erltest

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestNodeEval(t *testing.T) {
	n := Start(t, Options{Modules: map[string]string{"hello": "-module(hello).\n-export([hi/1]).\nhi(X) -> {hi, X}.\n"}})
	if !strings.HasSuffix(n.Name, "@127.0.0.1") {
		t.Fatalf("node name %q", n.Name)
	}
	if got := n.Eval(t, "X = 1 + 2, {X, atom}"); got != "{3,atom}" {
		t.Fatalf("eval = %q", got)
	}
	if got := n.Eval(t, "X * 2"); got != "6" {
		t.Fatalf("bindings not kept: %q", got)
	}
	if got := n.Eval(t, "hello:hi(<<\"é\"/utf8>>)"); got != "{hi,<<195,169>>}" {
		t.Fatalf("module call = %q", got)
	}
	r := n.EvalResult(t, "[]")
	if len(r.ETF) != 2 || r.ETF[0] != 131 || r.ETF[1] != 106 {
		t.Fatalf("ETF of [] = %x", r.ETF)
	}
	_, err := n.Call(context.Background(), "error(boom)")
	var ee *EvalError
	if !errors.As(err, &ee) || !strings.Contains(ee.Text, "{error,boom,") {
		t.Fatalf("exception: %v", err)
	}
	n.Eval(t, `io:format("printed ~p~n", [42])`)
	if !n.WaitOutput("printed 42", 5*time.Second) {
		t.Fatalf("output not captured: %q", n.Output())
	}
	// A second node in the same epmd sees the first.
	m := Start(t, Options{EpmdPort: n.EpmdPort, Cookie: n.Cookie})
	if got := m.Eval(t, "net_adm:ping('"+n.Name+"')"); got != "pong" {
		t.Fatalf("ping = %q", got)
	}
	n.Kill()
	if _, err := n.Call(context.Background(), "1"); err == nil {
		t.Fatal("call on a killed node succeeded")
	}
}

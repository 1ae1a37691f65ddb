package rpc

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/avmsh/avmsh/internal/corpus"
	"github.com/avmsh/avmsh/internal/erltest"
	"github.com/avmsh/avmsh/internal/erltest/localnode"
	"github.com/avmsh/avmsh/node"
	"github.com/avmsh/avmsh/vm/term"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func startNode(t testing.TB, epmdPort int, cookie string) *node.Node {
	t.Helper()
	return startNodeWith(t, epmdPort, cookie, nil)
}

func startNodeWith(t testing.TB, epmdPort int, cookie string, mod func(*node.Config)) *node.Node {
	t.Helper()
	var mods []func(*node.Config)
	if mod != nil {
		mods = append(mods, mod)
	}
	n := localnode.Start(t, epmdPort, cookie, mods...)
	reg := NewRegistry()
	RegisterBuiltins(reg, "test")
	reg.Register("demo", "add", 2, func(c *CallContext, a []term.Term) (term.Term, error) {
		x, ok1 := a[0].(term.Int)
		y, ok2 := a[1].(term.Int)
		if !ok1 || !ok2 {
			return nil, Badarg()
		}
		return x + y, nil
	})
	reg.Register("demo", "throw", 1, func(c *CallContext, a []term.Term) (term.Term, error) { return nil, Raise("throw", a[0]) })
	reg.Register("demo", "exit", 1, func(c *CallContext, a []term.Term) (term.Term, error) { return nil, Raise("exit", a[0]) })
	if err := Serve(n, reg); err != nil {
		t.Fatal(err)
	}
	return n
}

// ctx bounds one call of a test: generously, scaled for -race and load
// (a 10 MiB result under -race on a busy 2-core machine takes seconds).
func ctx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), erltest.Timeout(60*time.Second))
	t.Cleanup(cancel)
	return c
}

// waitEval polls expr on the erl node until it prints want.
func waitEval(t *testing.T, e *erltest.Node, expr, want string) {
	t.Helper()
	deadline := time.Now().Add(erltest.Timeout(10 * time.Second))
	for {
		got := e.Eval(t, expr)
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s on %s is %s, want %s", expr, e.Name, got, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

const erlHelpers = `-module(h).
-export([ret/1, thr/1, ex/1, err/1, slow/1, big/1]).
ret(X) -> X.
thr(X) -> throw(X).
ex(X) -> exit(X).
err(X) -> error(X).
slow(Ms) -> timer:sleep(Ms), done.
big(N) -> binary:copy(<<"x">>, N).
`

func TestCallOutcomes(t *testing.T) {
	e := erltest.Start(t, erltest.Options{Modules: map[string]string{"h": erlHelpers}})
	n := startNode(t, e.EpmdPort, e.Cookie)
	target := term.Atom(e.Name)
	call := func(f string, args ...term.Term) (term.Term, error) {
		return Call(ctx(t), n, target, "h", term.Atom(f), args, Options{Timeout: erltest.Timeout(30 * time.Second)})
	}
	if v, err := call("ret", term.Tuple{term.Atom("a"), term.Int(1)}); err != nil || !term.ExactEqual(v, term.Tuple{term.Atom("a"), term.Int(1)}) {
		t.Fatalf("return: %v %v", v, err)
	}
	var te *ThrowError
	if _, err := call("thr", term.Atom("oops")); !errors.As(err, &te) || te.Value != term.Atom("oops") {
		t.Fatalf("throw: %v", err)
	}
	var ee *ExitError
	if _, err := call("ex", term.Atom("bye")); !errors.As(err, &ee) || ee.Reason != term.Atom("bye") {
		t.Fatalf("exit: %v", err)
	}
	var re *RemoteError
	if _, err := call("err", term.Atom("badthing")); !errors.As(err, &re) || re.Reason != term.Atom("badthing") {
		t.Fatalf("error: %v", err)
	} else if st, ok := re.Stack.(term.List); !ok || len(st) == 0 {
		t.Fatalf("no stack trace: %v", re.Stack)
	}
	if _, err := Call(ctx(t), n, target, "nosuch", "fn", nil, Options{}); !errors.As(err, &re) || re.Reason != term.Atom("undef") {
		t.Fatalf("undef: %v", err)
	}
	// A call of a function that sleeps for 10 minutes can only end by
	// its 300 ms timeout, which must kill the remote process.
	var to *TimeoutError
	if _, err := Call(ctx(t), n, target, "h", "slow", []term.Term{term.Int(600_000)}, Options{Timeout: 300 * time.Millisecond}); !errors.As(err, &to) || !to.Killed {
		t.Fatalf("timeout: %v", err)
	}
	waitEval(t, e, "length([P || P <- processes(), {current_function, {timer, sleep, 1}} == process_info(P, current_function)])", "0")
	// 10 MiB result.
	v, err := call("big", term.Int(10<<20))
	if err != nil || len(v.(term.Binary)) != 10<<20 {
		t.Fatalf("big: %v", err)
	}
	// rex path.
	if v, err := Call(ctx(t), n, target, "h", "ret", []term.Term{term.Int(7)}, Options{Rex: true}); err != nil || v != term.Int(7) {
		t.Fatalf("rex: %v %v", v, err)
	}
	var be *BadRPCError
	if _, err := Call(ctx(t), n, target, "nosuch", "fn", nil, Options{Rex: true}); !errors.As(err, &be) {
		t.Fatalf("rex undef: %v", err)
	}
	// noconnection.
	var nc *NoConnectionError
	if _, err := Call(ctx(t), n, "nobody@127.0.0.1", "erlang", "node", nil, Options{}); !errors.As(err, &nc) {
		t.Fatalf("noconnection: %v", err)
	}
}

func TestCallsIntoAvmsh(t *testing.T) {
	e := erltest.Start(t, erltest.Options{})
	n := startNode(t, e.EpmdPort, e.Cookie)
	cases := []struct{ expr, want string }{
		{"erpc:call(N, demo, add, [2, 3])", "5"},
		{"rpc:call(N, demo, add, [2, 3])", "5"},
		{"erpc:call(N, erlang, node, [])", fmt.Sprintf("'%s'", n.Name())},
		{"try erpc:call(N, demo, add, [a, 3]) catch error:{exception, R1, S1} -> {R1, S1} end", "{badarg,[{demo,add,[a,3],[]}]}"},
		{"rpc:call(N, demo, add, [a, 3])", "{badrpc,{'EXIT',{badarg,[{demo,add,[a,3],[]}]}}}"},
		{"try erpc:call(N, nosuch, f, [1]) catch error:{exception, R2, S2} -> {R2, S2} end", "{undef,[{nosuch,f,[1],[]}]}"},
		{"rpc:call(N, nosuch, f, [1])", "{badrpc,{'EXIT',{undef,[{nosuch,f,[1],[]}]}}}"},
		{"catch erpc:call(N, demo, throw, [t])", "t"},
		{"rpc:call(N, demo, throw, [t])", "t"},
		{"try erpc:call(N, demo, exit, [x]) catch exit:R3 -> R3 end", "{exception,x}"},
		{"rpc:call(N, demo, exit, [x])", "{badrpc,{'EXIT',x}}"},
		{"is_list(erpc:call(N, erlang, processes, []))", "true"},
		{"erpc:call(N, erlang, system_info, [machine])", `[65,86,77,83,72]`},
		{"erpc:call(N, erlang, whereis, [rex]) =/= undefined", "true"},
		{"[K || {K, _} <- erpc:call(N, erlang, process_info, [erpc:call(N, erlang, whereis, [rex])])] -- [current_function]", "[initial_call,status,message_queue_len,links,dictionary,trap_exit,error_handler,priority,group_leader,total_heap_size,heap_size,stack_size,reductions,garbage_collection,suspending]"},
	}
	e.Eval(t, fmt.Sprintf("N = '%s'", n.Name()))
	for _, c := range cases {
		if got := e.Eval(t, c.expr); got != c.want {
			t.Errorf("%s\n got %s\nwant %s", c.expr, got, c.want)
		}
	}
}

func TestMulticallWithOneDown(t *testing.T) {
	e1 := erltest.Start(t, erltest.Options{})
	e2 := erltest.Start(t, erltest.Options{EpmdPort: e1.EpmdPort, Cookie: e1.Cookie})
	n := startNode(t, e1.EpmdPort, e1.Cookie)
	nodes := []term.Atom{term.Atom(e1.Name), "down@127.0.0.1", term.Atom(e2.Name)}
	res := Multicall(ctx(t), n, nodes, "erlang", "node", nil, Options{Timeout: erltest.Timeout(30 * time.Second)})
	if len(res) != 3 {
		t.Fatal(len(res))
	}
	for i, want := range []term.Term{term.Atom(e1.Name), nil, term.Atom(e2.Name)} {
		if want == nil {
			var nc *NoConnectionError
			if !errors.As(res[i].Err, &nc) {
				t.Fatalf("down node: %+v", res[i])
			}
			continue
		}
		if res[i].Err != nil || res[i].Value != want {
			t.Fatalf("node %d: %+v", i, res[i])
		}
	}
}

// TestCorpusThroughHd calls erlang:hd([T]) on erl for every corpus term.
func TestCorpusThroughHd(t *testing.T) {
	e := erltest.Start(t, erltest.Options{})
	n := startNode(t, e.EpmdPort, e.Cookie)
	entries := corpus.Entries()
	live, err := corpus.Live(ctx(t), e)
	if err != nil {
		t.Fatal(err)
	}
	for _, en := range append(entries, live...) {
		v, err := Call(ctx(t), n, term.Atom(e.Name), "erlang", "hd", []term.Term{term.List{en.Term}}, Options{})
		if err != nil {
			t.Fatalf("%s: %v", en.Label, err)
		}
		if !term.ExactEqual(v, en.Term) {
			t.Errorf("%s: hd returned %s", en.Label, corpus.Label(v))
		}
	}
}

// TestErlCallIntoAvmsh: OTP's erl_call (rex's {From, {call, ...}} message)
// reaches Go functions, and rpc's features_request gets its answer.
func TestErlCallIntoAvmsh(t *testing.T) {
	erltest.RequireProgram(t, "erl_call")
	e := erltest.Start(t, erltest.Options{})
	n := startNode(t, e.EpmdPort, e.Cookie)
	cmd := exec.Command("erl_call", "-name", string(n.Name()), "-c", e.Cookie, "-a", "demo add [40, 2]")
	cmd.Env = append(os.Environ(), fmt.Sprintf("ERL_EPMD_PORT=%d", e.EpmdPort))
	out, err := cmd.CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "42" {
		t.Fatalf("erl_call: %v: %s", err, out)
	}
	e.Eval(t, fmt.Sprintf("{rex, '%s'} ! {self(), features_request}", n.Name()))
	if got := e.Eval(t, fmt.Sprintf("receive {features_reply, _, F} -> F after %d -> none end", erltest.Timeout(5*time.Second).Milliseconds())); got != "[erpc]" {
		t.Fatalf("features_reply: %s", got)
	}
}

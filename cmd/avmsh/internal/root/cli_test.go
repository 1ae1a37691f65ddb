package root

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/avmsh/avmsh/cmd/avmsh/internal/cmdutil"
	"github.com/avmsh/avmsh/internal/erltest"
	"github.com/avmsh/avmsh/vm/term"
	"github.com/avmsh/avmsh/vm/termjson"
)

type run struct {
	code     int
	out, err string
}

// avmsh runs the CLI in-process with the given stdin and environment.
func avmsh(t *testing.T, env map[string]string, stdin string, args ...string) run {
	t.Helper()
	var out, errOut bytes.Buffer
	f := &cmdutil.Factory{
		Version: "test",
		IO:      &cmdutil.IOStreams{In: strings.NewReader(stdin), Out: &out, ErrOut: &errOut},
		Getenv:  func(k string) string { return env[k] },
	}
	cmd := NewCmdRoot(f)
	cmd.SetArgs(args)
	code := executeCmd(context.Background(), f, cmd)
	return run{code, out.String(), errOut.String()}
}

const helpers = `-module(h).
-export([greet/1, ask/0, boom/0]).
greet(Who) -> io:format("hello ~p~n", [Who]), io:format("~s and ~ts~n", ["latin", <<"ünï"/utf8>>]), {greeted, Who}.
ask() -> L = io:get_line("name? "), {got, L}.
boom() -> error(badarg).
`

func TestCLIAgainstErl(t *testing.T) {
	e := erltest.Start(t, erltest.Options{Modules: map[string]string{"h": helpers}})
	env := map[string]string{"ERL_EPMD_PORT": strconv.Itoa(e.EpmdPort), "AVMSH_COOKIE": e.Cookie}
	node := e.Name

	r := avmsh(t, env, "", "rpc", node, "erlang", "node")
	if r.code != 0 || r.out != fmt.Sprintf("'%s'\n", node) {
		t.Fatalf("rpc node: %+v", r)
	}
	// Remote output streams to stdout, in order, before the result.
	r = avmsh(t, env, "", "rpc", node, "h", "greet", "world")
	if r.code != 0 || r.out != "hello world\nlatin and ünï\n{greeted,world}\n" {
		t.Fatalf("rpc greet: %+v", r)
	}
	// io:get_line on the remote side reads avmsh's stdin.
	r = avmsh(t, env, "Ada\n", "rpc", node, "h", "ask")
	if r.code != 0 || r.out != "name? {got,\"Ada\\n\"}\n" {
		t.Fatalf("rpc ask: %+v", r)
	}
	// JSON output decodes to the same term.
	r = avmsh(t, env, "", "rpc", node, "lists", "seq", "1", "3", "-o", "json")
	v, err := termjson.Unmarshal([]byte(r.out))
	if r.code != 0 || err != nil || !term.ExactEqual(v, term.List{term.Int(1), term.Int(2), term.Int(3)}) {
		t.Fatalf("json: %+v %v", r, err)
	}
	// --args and raw output.
	r = avmsh(t, env, "", "rpc", node, "erlang", "list_to_binary", "--args", `["raw text"]`, "-o", "raw")
	if r.code != 0 || r.out != "raw text" {
		t.Fatalf("raw: %+v", r)
	}
	// Exit codes: 1 remote exception, 3 unreachable, 2 usage.
	r = avmsh(t, env, "", "rpc", node, "h", "boom")
	if r.code != 1 || !strings.Contains(r.err, "exception error") {
		t.Fatalf("exception: %+v", r)
	}
	r = avmsh(t, env, "", "rpc", "nobody@127.0.0.1", "erlang", "node")
	if r.code != 3 || !strings.Contains(r.err, "avmsh names") {
		t.Fatalf("unknown node: %+v", r)
	}
	bad := map[string]string{"ERL_EPMD_PORT": env["ERL_EPMD_PORT"], "AVMSH_COOKIE": "wrong"}
	r = avmsh(t, bad, "", "rpc", node, "erlang", "node")
	if r.code != 3 || !strings.Contains(r.err, "cookies differ") {
		t.Fatalf("wrong cookie: %+v", r)
	}
	noEpmd := map[string]string{"ERL_EPMD_PORT": "1", "AVMSH_COOKIE": e.Cookie}
	r = avmsh(t, noEpmd, "", "rpc", node, "erlang", "node")
	if r.code != 3 || !strings.Contains(r.err, "no epmd") {
		t.Fatalf("no epmd: %+v", r)
	}
	r = avmsh(t, env, "", "rpc", node, "erlang")
	if r.code != 2 {
		t.Fatalf("usage: %+v", r)
	}
	r = avmsh(t, env, "", "rpc", node, "erlang", "node", "{unclosed")
	if r.code != 2 || !strings.Contains(r.err, "argument 1") {
		t.Fatalf("bad term: %+v", r)
	}
	r = avmsh(t, env, "", "rpc", node, "erlang", "node", "--no-such-flag")
	if r.code != 2 {
		t.Fatalf("bad flag: %+v", r)
	}

	// ping, send, names, nodes.
	r = avmsh(t, env, "", "ping", node, "nobody@127.0.0.1")
	if r.code != 3 || !strings.Contains(r.out, node+": pong") || !strings.Contains(r.out, "nobody@127.0.0.1: pang") {
		t.Fatalf("ping: %+v", r)
	}
	e.Eval(t, "register(box, self())")
	r = avmsh(t, env, "", "send", node, "box", `{hello, "from avmsh"}`)
	if r.code != 0 {
		t.Fatalf("send: %+v", r)
	}
	if got := e.Eval(t, "receive M -> M after 1000 -> nothing end"); got != `{hello,[102,114,111,109,32,97,118,109,115,104]}` {
		t.Fatalf("box got %s", got)
	}
	r = avmsh(t, env, "", "names")
	if r.code != 0 || !strings.Contains(r.out, e.Alive()) {
		t.Fatalf("names: %+v", r)
	}
	r = avmsh(t, env, "", "nodes", node, "-o", "json")
	if r.code != 0 || r.out != "[]\n" {
		t.Fatalf("nodes: %+v", r)
	}
}

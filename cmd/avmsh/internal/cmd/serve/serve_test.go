package servecmd_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	servecmd "github.com/avmsh/avmsh/cmd/avmsh/internal/cmd/serve"
	"github.com/avmsh/avmsh/cmd/avmsh/internal/cmdtest"
	"github.com/avmsh/avmsh/cmd/avmsh/internal/cmdutil"
	"github.com/avmsh/avmsh/internal/erltest"
	"github.com/avmsh/avmsh/node/rpc"
	"github.com/avmsh/avmsh/vm/term"
)

// serve runs until its context ends, with an embedded epmd, and answers
// calls from other nodes.
func TestServe(t *testing.T) {
	port, err := erltest.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	e := cmdtest.New(t)
	e.Vars["ERL_EPMD_PORT"] = strconv.Itoa(port)
	name := "hub_" + erltest.RandomName("s") + "@127.0.0.1"
	f, _, errOut := e.Factory(strings.NewReader(""))
	cmd := servecmd.NewCmdServe(f)
	cmd.SetArgs([]string{"--name", name})
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	code := make(chan int, 1)
	go func() { code <- cmdutil.Status(ctx, errOut, cmd.ExecuteContext(ctx)) }()
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(errOut.String(), "listening on port") {
		select {
		case c := <-code:
			t.Fatalf("serve exited with %d: %s", c, errOut.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not start: %s", errOut.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.Contains(errOut.String(), "its own embedded epmd") {
		t.Errorf("no embedded epmd: %s", errOut.String())
	}
	cfg := e.Configs()[0]
	if !cfg.Listen || cfg.Name != name || cfg.Cookie != e.Cookie() {
		t.Errorf("serve's node config: %+v", cfg)
	}
	p := e.StartPeer("")
	v, err := rpc.Call(ctx, p.Node.Node.Node, term.Atom(name), "erlang", "node", nil, rpc.Options{Timeout: 30 * time.Second})
	if err != nil || v != term.Atom(name) {
		t.Fatalf("call serve's node: %v %v", v, err)
	}
	cancel()
	if c := <-code; c != 0 {
		t.Fatalf("serve exited with %d: %s", c, errOut.String())
	}
	r := e.Run(servecmd.NewCmdServe, "", "extra")
	if r.Code != cmdutil.ExitUsage || !strings.Contains(r.Err, "serve takes no arguments") {
		t.Fatalf("serve extra: %+v", r)
	}
	r = e.Run(servecmd.NewCmdServe, "", "--listen", "tcp:1234")
	if r.Code != cmdutil.ExitUsage {
		t.Fatalf("serve --listen tcp: %+v", r)
	}
}

package namescmd_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"

	namescmd "github.com/avmsh/avmsh/cmd/avmsh/internal/cmd/names"
	"github.com/avmsh/avmsh/cmd/avmsh/internal/cmdtest"
	"github.com/avmsh/avmsh/cmd/avmsh/internal/cmdutil"
	"github.com/avmsh/avmsh/epmd"
	"github.com/avmsh/avmsh/internal/erltest"
)

// names against avmsh's own epmd server on a private port.
func TestNames(t *testing.T) {
	port, err := erltest.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	srv := epmd.NewServer(epmd.Config{Port: port, LoopbackOnly: true})
	if err := srv.Listen(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx) }()
	stop := sync.OnceFunc(func() { cancel(); <-served })
	t.Cleanup(stop)

	e := cmdtest.New(t)
	e.Vars["ERL_EPMD_PORT"] = strconv.Itoa(port)
	r := e.Run(namescmd.NewCmdNames, "")
	if r.Code != 0 || !strings.Contains(r.Err, "no registered nodes") {
		t.Fatalf("names of an empty epmd: %+v", r)
	}
	_, reg, err := (&epmd.PortMapper{Port: port}).Register(ctx, "listed", 40123, true)
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Close()
	r = e.Run(namescmd.NewCmdNames, "")
	if r.Code != 0 || !strings.Contains(r.Out, "listed") || !strings.Contains(r.Out, "40123") {
		t.Fatalf("names: %+v", r)
	}
	r = e.Run(namescmd.NewCmdNames, "", fmt.Sprintf("127.0.0.1:%d", port), "-o", "json")
	if r.Code != 0 || r.Out != fmt.Sprintf(`{"epmd":"127.0.0.1:%d","nodes":[{"name":"listed","port":40123}]}`+"\n", port) {
		t.Fatalf("names -o json: %+v", r)
	}
	stop()
	r = e.Run(namescmd.NewCmdNames, "")
	if r.Code != cmdutil.ExitUnreachable {
		t.Fatalf("names without epmd: %+v", r)
	}
	// An epmd that does not answer within --timeout: 3 as well.
	r = e.Run(namescmd.NewCmdNames, "", fmt.Sprintf("127.0.0.1:%d", cmdtest.SilentListener(t)), "--timeout", "300ms")
	if r.Code != cmdutil.ExitUnreachable {
		t.Fatalf("names from a silent epmd: %+v", r)
	}
	r = e.Run(namescmd.NewCmdNames, "", "a", "b")
	if r.Code != cmdutil.ExitUsage || !strings.Contains(r.Err, `names: unexpected argument "b"`) {
		t.Fatalf("names a b: %+v", r)
	}
}

package tuicmd_test

import (
	"context"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"

	tuicmd "github.com/avmsh/avmsh/cmd/avmsh/internal/cmd/tui"
	"github.com/avmsh/avmsh/cmd/avmsh/internal/cmdtest"
	"github.com/avmsh/avmsh/cmd/avmsh/internal/cmdutil"
	"github.com/avmsh/avmsh/internal/erltest"
)

// The dashboard starts its node from the flags (listening, registered
// in an embedded epmd, with the environment's cookie), shows it in the
// cluster view, and quits on q. (tui/ has the views' own tests;
// the full dashboard runs in a terminal in cmd/avmsh/internal/root.)
func TestDashboardStartsAndQuits(t *testing.T) {
	port, err := erltest.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	e := cmdtest.New(t)
	e.Vars["ERL_EPMD_PORT"] = strconv.Itoa(port)
	e.Mapper = nil // the dashboard's node registers in the embedded epmd
	name := "dash_" + erltest.RandomName("t") + "@127.0.0.1"
	in, keys := io.Pipe()
	f, out, errOut := e.Factory(in)
	cmd := tuicmd.NewCmdTUI(f)
	cmd.SetArgs([]string{"--name", name, "--refresh", "100ms", "--no-auto-connect"})
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	code := make(chan int, 1)
	go func() { code <- cmdutil.Status(ctx, errOut, cmd.ExecuteContext(ctx)) }()
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(out.String(), name) {
		if time.Now().After(deadline) {
			t.Fatalf("the dashboard never showed its node; stdout:\n%s\nstderr:\n%s", out.String(), errOut.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if _, err := keys.Write([]byte("q")); err != nil {
		t.Fatal(err)
	}
	select {
	case c := <-code:
		if c != 0 {
			t.Fatalf("dashboard exit %d: %s", c, errOut.String())
		}
	case <-ctx.Done():
		t.Fatal("q did not quit the dashboard")
	}
	keys.Close()
	cfg := e.Configs()[0]
	if !cfg.Listen || cfg.Name != name || cfg.Cookie != e.Cookie() {
		t.Fatalf("dashboard node config: %+v", cfg)
	}
	r := e.Run(tuicmd.NewCmdTUI, "", "extra")
	if r.Code != cmdutil.ExitUsage || !strings.Contains(r.Err, "tui takes no arguments") {
		t.Fatalf("tui extra: %+v", r)
	}
}

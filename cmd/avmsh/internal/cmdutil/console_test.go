//go:build !windows

package cmdutil_test

import (
	"context"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	pingcmd "github.com/avmsh/avmsh/cmd/avmsh/internal/cmd/ping"
	rpccmd "github.com/avmsh/avmsh/cmd/avmsh/internal/cmd/rpc"
	"github.com/avmsh/avmsh/cmd/avmsh/internal/cmdtest"
	"github.com/avmsh/avmsh/cmd/avmsh/internal/cmdutil"
	"github.com/avmsh/avmsh/node/localnode"
	"github.com/avmsh/avmsh/node/rpc"
	"github.com/avmsh/avmsh/node/serialdist/serialtest"
	"github.com/avmsh/avmsh/vm"
	"github.com/avmsh/avmsh/vm/term"
)

// noise is console text a board (or a noisy line) may send: a screen
// clear, a window-title change, BEL, a C1 CSI, and UTF-8 text.
const noise = "\x1b[2J\x1b]0;pwned\x07 \x9b31m caf\xc3\xa9 end-of-noise\r\n"

// noisyBoard starts a node on the far end of a serial line that prints
// noise on its console (outside the distribution frames, as a board's
// io:format on the UART does) before it answers a call to
// board:noise/0 and before its net_kernel answers a ping.
func noisyBoard(t *testing.T, e *cmdtest.Env, port string) {
	t.Helper()
	b, err := localnode.Start(context.Background(), localnode.Config{
		Name: "board@serial.local", Cookie: e.Cookie(), Serial: []string{"serial:" + port}, Version: "test",
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Stop)
	emit := func() error {
		_, err := b.Ports()[0].Write([]byte(noise))
		return err
	}
	b.Registry().Register("board", "noise", 0, func(*rpc.CallContext, []term.Term) (term.Term, error) {
		if err := emit(); err != nil {
			return nil, err
		}
		return term.Atom("ok"), nil
	})
	rt := b.Runtime()
	if err := rt.Unregister("net_kernel"); err != nil {
		t.Fatal(err)
	}
	nk, err := rt.NewProcess(vm.SpawnOptions{Label: "board:net_kernel/0"})
	if err != nil {
		t.Fatal(err)
	}
	if err := rt.Register("net_kernel", nk.Self()); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			m, err := nk.Receive(nk.Context(), nil, vm.Infinity)
			if err != nil {
				return
			}
			// {'$gen_call', {From, Tag}, {is_auth, Node}} -> From ! {Tag, yes}
			if c, ok := m.(term.Tuple); ok && len(c) == 3 && c[0] == term.Atom("$gen_call") {
				if from, ok := c[1].(term.Tuple); ok && len(from) == 2 {
					_ = emit()
					_ = nk.Send(from[0], term.Tuple{from[1], term.Atom("yes")})
				}
			}
		}
	}()
	t.Cleanup(func() { nk.Exit(vm.Normal); <-done })
}

// TestConsoleVisibleInCommands: the console text a board sends while a
// command talks to it over serial:PORT reaches stderr with its control
// characters shown (^[, ^G, \xNN), in every command that starts a node
// (the choice is cmdutil's: NodeConfig's Console), as `avmsh serve`
// and the dashboard show it; only `avmsh monitor` (a terminal on the
// board) and `serve --raw` pass the bytes on.
func TestConsoleVisibleInCommands(t *testing.T) {
	for _, c := range []struct {
		name string
		cmd  func(*cmdutil.Factory) *cobra.Command
		args []string
		out  string
	}{
		{"rpc", rpccmd.NewCmdRPC, []string{"board", "noise"}, "ok\n"},
		{"ping", pingcmd.NewCmdPing, nil, "pong"},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := cmdtest.New(t)
			pa, pb := serialtest.SocatPair(t)
			noisyBoard(t, e, pb)
			r := e.Run(c.cmd, "", append([]string{"serial:" + pa}, c.args...)...)
			if r.Code != 0 || !strings.Contains(r.Out, c.out) {
				t.Fatalf("%s serial:%s: %+v", c.name, pa, r)
			}
			if !strings.Contains(r.Err, `^[[2J^[]0;pwned^G \x9b31m café end-of-noise`) {
				t.Fatalf("%s: console text on stderr: %q", c.name, r.Err)
			}
			if strings.ContainsAny(r.Err, "\x1b\x07") || strings.Contains(r.Err, "\u009b") || strings.IndexByte(r.Err, 0x9b) >= 0 {
				t.Fatalf("%s let a control character through: %q", c.name, r.Err)
			}
		})
	}
}

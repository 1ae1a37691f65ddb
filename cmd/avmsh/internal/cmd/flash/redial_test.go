//go:build !windows

package flashcmd

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/avmsh/avmsh/internal/espsim"
	"github.com/avmsh/avmsh/node"
	"github.com/avmsh/avmsh/node/carrier"
	"github.com/avmsh/avmsh/node/serialdist"
	"github.com/avmsh/avmsh/node/serialnode"
	"github.com/avmsh/avmsh/vm/term"
)

type nopCloser struct{ io.ReadWriter }

func (nopCloser) Close() error { return nil }

// serialApp is the simulated board's application: a node with serial
// distribution on the board's UART, named after the boot count.
func serialApp(s **espsim.Sim) func(ctx context.Context, rw io.ReadWriter) {
	return func(ctx context.Context, rw io.ReadWriter) {
		p := serialdist.NewPort(nopCloser{rw}, "uart0", serialdist.PortConfig{MinBurst: -1})
		defer p.Close()
		l, err := serialdist.ListenPort(p)
		if err != nil {
			return
		}
		n, err := node.Start(ctx, node.Config{Name: fmt.Sprintf("app%d@serial.local", (*s).Boots()), Cookie: "FlashTest",
			ListenAddr: "-", Listeners: []carrier.Listener{l}, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			return
		}
		<-ctx.Done()
		n.Stop()
	}
}

func isConnected(n *serialnode.Node, peer term.Atom) bool {
	for _, pi := range n.Nodes() {
		if pi.Node == peer {
			return true
		}
	}
	return false
}

// The whole story on one port: avmsh is connected to the board's node;
// the board is put in its loader by hand; `avmsh flash` takes the port
// from the node, writes the new application and reboots the board; the
// node gets the port back, with the boot log the flasher read, and
// connects to the new application as soon as it starts serial
// distribution. The node's console shows the boot log.
func TestFlashThenRedial(t *testing.T) {
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	var sim *espsim.Sim
	sim, err := espsim.New(espsim.Config{Chip: "ESP32", App: serialApp(&sim)})
	if err != nil {
		t.Fatal(err)
	}
	pty := espsim.ServePTY(t, sim)
	sim.PressReset(false) // power on: app1 runs
	ctx := testCtx(t)
	hub, err := serialnode.Start(ctx, serialnode.Config{
		Node: node.Config{Name: "hub@serial.local", Cookie: "FlashTest", ListenAddr: "-", Logger: slog.New(slog.DiscardHandler)},
		Port: serialdist.PortConfig{MinBurst: -1, Holder: "hub@serial.local"},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer hub.Stop()
	if name, err := hub.Dial(ctx, "serial:"+pty); err != nil || name != "app1@serial.local" {
		t.Fatalf("dial: %v %v", name, err)
	}
	port, err := hub.Port("serial:" + pty)
	if err != nil {
		t.Fatal(err)
	}
	console := &syncBuf{}
	defer serialnode.FollowConsole(hub.Transport(), []*serialdist.Port{port}, console, func(string) string { return "[board] " })()
	sim.PressReset(true) // hold BOOT, press EN
	path, app := writeAVM(t, 30_000, 8)
	_, errOut, err := runCmd(t, ctx, nil, "", pty, path, "--before", "no-reset")
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	if !equalFlash(sim, 0x250000, app) {
		t.Fatal("flash differs")
	}
	if !strings.Contains(errOut, "Took "+pty+" from hub@serial.local") {
		t.Errorf("stderr: %s", errOut)
	}
	deadline := time.Now().Add(90 * time.Second)
	for !strings.Contains(console.String(), "[board] I (412) AtomVM: Starting main.avm...") {
		if time.Now().After(deadline) {
			t.Fatalf("the node's console never showed the new application's boot log:\n%s", console.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	for !isConnected(hub, "app2@serial.local") {
		if time.Now().After(deadline) {
			t.Fatalf("the hub did not redial the new application (connected: %v)\n%s", hub.Nodes(), errOut)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

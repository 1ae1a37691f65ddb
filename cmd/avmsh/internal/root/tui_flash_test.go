//go:build !windows

package root

import (
	"bytes"
	"context"
	"crypto/md5"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/avmsh/avmsh/devices/espflash"
	"github.com/avmsh/avmsh/internal/erltest"
	"github.com/avmsh/avmsh/internal/espsim"
	"github.com/avmsh/avmsh/node"
	"github.com/avmsh/avmsh/node/carrier"
	"github.com/avmsh/avmsh/node/serialdist"
)

type rwNopCloser struct{ io.ReadWriter }

func (rwNopCloser) Close() error { return nil }

// simBoardApp is the simulated ESP32's application: a node with serial
// distribution on its UART named after the boot count (app1, app2...),
// printing "appN alive" between frames a few times a second.
func simBoardApp(s **espsim.Sim, cookie string) func(ctx context.Context, rw io.ReadWriter) {
	return func(ctx context.Context, rw io.ReadWriter) {
		boot := (*s).Boots()
		p := serialdist.NewPort(rwNopCloser{rw}, "uart0", serialdist.PortConfig{MinBurst: -1})
		defer p.Close()
		go func() {
			tk := time.NewTicker(250 * time.Millisecond)
			defer tk.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-tk.C:
					fmt.Fprintf(p, "app%d alive\r\n", boot)
				}
			}
		}()
		l, err := serialdist.ListenPort(p)
		if err != nil {
			return
		}
		n, err := node.Start(ctx, node.Config{Name: fmt.Sprintf("app%d@serial.local", boot), Cookie: cookie,
			ListenAddr: "-", Listeners: []carrier.Listener{l}, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			return
		}
		<-ctx.Done()
		n.Stop()
	}
}

// TestTUIFlashEndToEnd flashes the ESP ROM-loader simulator (on one end
// of a socat pty pair) from the dashboard running in a real terminal
// (tmux): the dashboard connects to the board's node over the port
// (:connect serial:PTY), the board is put in its loader by hand (a pty
// has no modem lines), f in the devices view asks for the file, the
// path is typed, enter shows the plan with its options, enter flashes; the result says verified, the flash at
// the main.avm partition has the file's MD5, and the dashboard's node,
// which lent its port to the flash, connects to the new application and
// shows its console. The path is remembered for the next f.
func TestTUIFlashEndToEnd(t *testing.T) {
	cookie := "flash_" + erltest.RandomName("c")
	var sim *espsim.Sim
	sim, err := espsim.New(espsim.Config{Chip: "ESP32", App: simBoardApp(&sim, cookie)})
	if err != nil {
		t.Fatal(err)
	}
	pty := espsim.ServePTY(t, sim)
	sim.PressReset(false) // power on: app1 runs
	avm := filepath.Join(t.TempDir(), "blinky.avm")
	app := make([]byte, 200_000)
	r := rand.New(rand.NewPCG(12, 1))
	for i := range app {
		app[i] = byte(r.Uint32())
	}
	copy(app, espflash.AVMHeader)
	if err := os.WriteFile(avm, app, 0o644); err != nil {
		t.Fatal(err)
	}
	epmdPort, err := erltest.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	bin := buildAvmsh(t)
	env := []string{"ERL_EPMD_PORT=" + strconv.Itoa(epmdPort), "AVMSH_COOKIE=" + cookie, "TERM=xterm", "HOME=" + t.TempDir(),
		"XDG_RUNTIME_DIR=" + t.TempDir(), "XDG_STATE_HOME=" + t.TempDir()}
	name := "tui_" + erltest.RandomName("t") + "@127.0.0.1"
	s := startTmux(t, 150, 40, env, bin, "--name", name, "--refresh", "500ms", "--no-auto-connect")
	s.waitFor("the cluster view", 20*time.Second, contains(name))

	s.keys(":")
	time.Sleep(200 * time.Millisecond)
	s.keys("connect serial:"+pty, "Enter")
	s.waitFor("app1 in the cluster", 30*time.Second, contains("app1@serial.local"))
	s.keys("4")
	time.Sleep(300 * time.Millisecond)
	s.keys("/")
	time.Sleep(200 * time.Millisecond)
	s.keys(pty, "Enter")
	s.waitFor("the board's port with its node and console", 20*time.Second, func(sc string) bool {
		return lineHas(sc, pty, "app1@serial.local") && strings.Contains(sc, "app1 alive")
	})

	sim.PressReset(true) // hold BOOT, press EN
	s.keys("f")
	s.waitFor("the flash prompt", 10*time.Second, contains("flash onto "+pty+":"))
	s.keys(avm, "Enter")
	s.waitFor("the plan and its options", 10*time.Second, contains("options: r --before default-reset"))
	s.keys("Enter")
	sc := s.waitFor("the verified flash", 90*time.Second, func(sc string) bool {
		return strings.Contains(sc, "flashed blinky.avm onto "+pty+": verified") || strings.Contains(sc, "failed")
	})
	if !strings.Contains(sc, "verified") {
		t.Fatalf("the flash failed:\n%s", sc)
	}
	if got, want := md5.Sum(sim.Flash(0x250000, len(app))), md5.Sum(app); got != want {
		t.Fatalf("MD5 of the flash at main.avm (0x250000) %x, of the file %x", got, want)
	}
	want := fmt.Sprintf("MD5 %x verified", md5.Sum(app))
	if !strings.Contains(strings.ReplaceAll(sc, "\n", " "), want) {
		t.Errorf("the result does not say %q:\n%s", want, sc)
	}
	s.waitFor("the new application's node and console", 90*time.Second, func(sc string) bool {
		return lineHas(sc, pty, "app2@serial.local") && strings.Contains(sc, "app2 alive")
	})

	// The file is offered again for this board.
	s.keys("Escape")
	time.Sleep(300 * time.Millisecond)
	s.keys("f")
	s.waitFor("the last file in the prompt", 10*time.Second, contains("flash onto "+pty+": "+avm))
	s.keys("Escape")
	time.Sleep(300 * time.Millisecond)
	s.keys("q")
	s.waitFor("the dashboard to exit", 10*time.Second, func(string) bool { return s.dead() })
	if !bytes.Equal(sim.Flash(0x250000, len(app)), app) {
		t.Fatal("flash differs")
	}
}

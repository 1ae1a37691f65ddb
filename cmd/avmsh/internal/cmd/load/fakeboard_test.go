//go:build !windows

package loadcmd

import (
	"context"
	"io"
	"log/slog"
	"sync"

	"github.com/avmsh/avmsh/devices/avm"
	"github.com/avmsh/avmsh/devices/espflash"
	"github.com/avmsh/avmsh/internal/espsim"
	"github.com/avmsh/avmsh/node"
	"github.com/avmsh/avmsh/node/carrier"
	"github.com/avmsh/avmsh/node/rpc"
	"github.com/avmsh/avmsh/node/serialdist"
	"github.com/avmsh/avmsh/vm/term"
)

// fakeBoard is the application of a simulated ESP32 (internal/espsim):
// at each boot it reads the .avm in the simulator's main.avm partition,
// as AtomVM does, and starts a distribution node on the board's UART
// that answers what avmsh asks an AtomVM node (erlang:system_info/1 for
// machine, atomvm_version and system_architecture; code:load_binary/3).
// It is a stand-in for AtomVM (a Go node), not AtomVM: the serial
// distribution, the ROM loader and the flash it reads are the real
// protocol over a pty and the simulator.
type fakeBoard struct {
	sim     *espsim.Sim
	name    string
	cookie  string
	machine string
	arch    string

	mu sync.Mutex
	// boots: per boot (the simulator's count), the module records the
	// application found in flash. The simulator also runs the
	// application while the lines hold the chip in reset; such a run
	// has the number of the boot before it and is overwritten.
	boots map[int]map[string][]byte
	live  map[string][]byte // modules loaded over distribution since the last start
	// refuse names a module whose load_binary answers {error, badfile}.
	refuse string
}

// refuseModule makes load_binary of mod fail.
func (b *fakeBoard) refuseModule(mod string) {
	b.mu.Lock()
	b.refuse = mod
	b.mu.Unlock()
}

type nopCloser struct{ io.ReadWriter }

func (nopCloser) Close() error { return nil }

func (b *fakeBoard) app(ctx context.Context, rw io.ReadWriter) {
	flash := map[string][]byte{}
	part, _ := espflash.FindPartition(espflash.AtomVMPartitions(), espflash.AppPartition)
	if d, err := avm.Decode(b.sim.Flash(int(part.Offset), int(part.Size))); err == nil {
		for _, r := range d.Records {
			flash[r.Name] = append([]byte(nil), r.Data...)
		}
	}
	b.mu.Lock()
	if b.boots == nil {
		b.boots = map[int]map[string][]byte{}
	}
	b.boots[b.sim.Boots()] = flash
	b.live = map[string][]byte{}
	b.mu.Unlock()

	p := serialdist.NewPort(nopCloser{rw}, "uart0", serialdist.PortConfig{MinBurst: -1})
	defer p.Close()
	l, err := serialdist.ListenPort(p)
	if err != nil {
		return
	}
	n, err := node.Start(ctx, node.Config{Name: b.name, Cookie: b.cookie, ListenAddr: "-",
		Listeners: []carrier.Listener{l}, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return
	}
	defer n.Stop()
	reg := rpc.NewRegistry()
	reg.Register("erlang", "system_info", 1, func(_ *rpc.CallContext, args []term.Term) (term.Term, error) {
		switch args[0] {
		case term.Atom("machine"):
			return term.String(b.machine), nil
		case term.Atom("atomvm_version"):
			return term.Binary("0.6.6"), nil
		case term.Atom("otp_release"):
			return term.String("25"), nil
		case term.Atom("system_architecture"):
			return term.Binary(b.arch), nil
		}
		return nil, rpc.Badarg()
	})
	reg.Register("code", "load_binary", 3, func(_ *rpc.CallContext, args []term.Term) (term.Term, error) {
		mod, ok1 := args[0].(term.Atom)
		bin, ok2 := args[2].(term.Binary)
		if !ok1 || !ok2 {
			return nil, rpc.Badarg()
		}
		b.mu.Lock()
		defer b.mu.Unlock()
		if string(mod) == b.refuse {
			return term.Tuple{term.Atom("error"), term.Atom("badfile")}, nil
		}
		b.live[string(mod)] = []byte(bin)
		return term.Tuple{term.Atom("module"), mod}, nil
	})
	if err := rpc.Serve(n, reg); err != nil {
		return
	}
	<-ctx.Done()
}

// bootCount is how many times the board booted its application.
func (b *fakeBoard) bootCount() int { return b.sim.Boots() }

// lastBoot is what the last boot found in flash.
func (b *fakeBoard) lastBoot() map[string][]byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.boots[b.sim.Boots()]
}

// liveLoads are the modules loaded since the last boot.
func (b *fakeBoard) liveLoads() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.live)
}

// wiredLink is the pty to the simulator with its modem lines wired to
// the simulated board's reset circuit, as a USB-UART bridge's DTR/RTS
// are (a pty has no modem lines of its own).
type wiredLink struct {
	espflash.Link
	sim *espsim.Sim
}

func (w wiredLink) SetDTR(on bool) error { return w.sim.SetDTR(on) }
func (w wiredLink) SetRTS(on bool) error { return w.sim.SetRTS(on) }

// SetLines drives both at once (devices' "unix tight" sequence).
func (w wiredLink) SetLines(dtr, rts bool) error { return w.sim.SetLines(dtr, rts) }

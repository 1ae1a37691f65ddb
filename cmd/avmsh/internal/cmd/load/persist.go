package loadcmd

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/avmsh/avmsh/cmd/avmsh/internal/cmdutil"
	"github.com/avmsh/avmsh/devices"
	"github.com/avmsh/avmsh/devices/avm"
	"github.com/avmsh/avmsh/devices/espflash"
	"github.com/avmsh/avmsh/devices/flashrec"
	"github.com/avmsh/avmsh/devices/fleet"
	"github.com/avmsh/avmsh/node"
	"github.com/avmsh/avmsh/node/codeload"
	"github.com/avmsh/avmsh/node/serialdist"
	"github.com/avmsh/avmsh/node/serialnode"
	"github.com/avmsh/avmsh/vm/beam"
	"github.com/avmsh/avmsh/vm/term"
)

// PersistDeps are what --persist uses besides the node; nil fields are
// the real ones (tests replace them).
type PersistDeps struct {
	// List describes the board's USB device (reset circuit, identity).
	List func(context.Context, devices.ListOptions) ([]devices.Device, error)
	// OpenLink opens the port for the ROM loader.
	OpenLink func(device string, baud int) (espflash.Link, error)
	// Borrow takes the port from whoever holds it in avmsh (the
	// command's own node, here).
	Borrow func(ctx context.Context, device, borrower string) (*serialdist.Loan, error)
	// Fleet opens the fleet state where the flash is recorded.
	Fleet func() (*fleet.Store, error)
}

func (d *PersistDeps) fill(f *cmdutil.Factory) {
	if d.List == nil {
		d.List = devices.List
	}
	if d.OpenLink == nil {
		d.OpenLink = espflash.OpenSerial
	}
	if d.Borrow == nil {
		d.Borrow = serialdist.Borrow
	}
	if d.Fleet == nil {
		d.Fleet = func() (*fleet.Store, error) { return flashrec.DefaultStore(f.Getenv) }
	}
}

// board is a target whose flash --persist writes.
type board struct {
	t      *cmdutil.Target
	device string
	dev    devices.Device
	// release is the AtomVM version the node reported.
	release string
}

// persistUsage checks, before anything is sent, that every NODE can be
// persisted: a serial port (the ROM loader is reached through it), and
// not a Pico (its flash is written in BOOTSEL mode only).
func persistUsage(ctx context.Context, o *Options, targets []cmdutil.Target) ([]*board, error) {
	var out []*board
	for i := range targets {
		t := &targets[i]
		if !t.IsSerial() {
			return nil, cmdutil.UsageError("--persist: %s is reached over the network; avmsh writes a board's flash through its ROM loader on the USB serial port, so name the board by its port (serial:/dev/ttyUSB0). Nothing was loaded.\nOtherwise: load without --persist, and to keep the change rebuild the .avm (avmsh pack) and flash it (avmsh flash)", t.Spec)
		}
		a, err := serialdist.ParseAddress(t.Serial)
		if err != nil {
			return nil, cmdutil.UsageError("%v", err)
		}
		devs, _ := o.List(ctx, devices.ListOptions{SkipAccess: true, Paths: []string{a.Device}})
		d, _ := devices.Lookup(devs, a.Device)
		if d.VID == "2e8a" {
			return nil, picoUsage(t.Spec, d.ID())
		}
		out = append(out, &board{t: t, device: a.Device, dev: d})
	}
	return out, nil
}

func picoUsage(spec, what string) error {
	return cmdutil.UsageError("--persist: %s is a Raspberry Pi Pico (%s): its flash is written only through the BOOTSEL drive, which needs a reboot into the boot ROM; that drops the node and the code just loaded, so avmsh does not do it behind a load. Nothing was loaded.\nTo keep the change: avmsh pack -o app.avm ..., then avmsh flash PORT app.avm (see docs/flash.md)", spec, what)
}

// persistKinds checks, once connected and before loading, that each
// board runs AtomVM on an ESP32 (what erlang:system_info/1 says).
func persistKinds(ctx context.Context, l *codeload.Loader, boards []*board) error {
	for _, b := range boards {
		if b.t.Node == "" {
			continue // not reached: the load reports it
		}
		t, err := l.Probe(ctx, b.t.Node)
		if err != nil {
			continue // the load reports it
		}
		switch t.Kind {
		case node.KindBEAM:
			return cmdutil.UsageError("--persist: %s is a BEAM node (%s): it loads code from its code path, not from an .avm in flash; copy the .beam files into a directory of its code path to keep them. Nothing was loaded", b.t.Node, t)
		case node.KindAvmsh:
			return cmdutil.UsageError("--persist: %s is an avmsh node: it runs no BEAM code. Nothing was loaded", b.t.Node)
		}
		b.release = t.Release
		arch, err := l.SystemInfo(ctx, b.t.Node, "system_architecture")
		if err != nil {
			continue // older AtomVM: the ROM loader will tell
		}
		if err := archUsage(b, arch); err != nil {
			return err
		}
	}
	return nil
}

// archUsage refuses AtomVM platforms whose flash avmsh cannot write
// (AtomVM's system_architecture: "xtensa-esp-esp_idf" and
// "riscv32-esp-esp_idf" on ESP32, "...-rp2-none" on the Pico, the
// compiler's triple on a computer).
func archUsage(b *board, arch string) error {
	a := strings.ToLower(arch)
	switch {
	case arch == "", strings.Contains(a, "esp"):
		return nil
	case strings.Contains(a, "rp2"):
		return picoUsage(string(b.t.Node), "AtomVM says "+arch)
	case strings.Contains(a, "stm32"):
		return cmdutil.UsageError("--persist: %s runs AtomVM on an STM32 (%s), whose flash avmsh cannot write (use st-flash or dfu-util). Nothing was loaded", b.t.Node, arch)
	case strings.Contains(a, "linux"), strings.Contains(a, "darwin"), strings.Contains(a, "freebsd"), strings.Contains(a, "emscripten"):
		return cmdutil.UsageError("--persist: %s runs AtomVM on a computer (%s): its .avm is a file given on its command line; rebuild that file (avmsh pack). Nothing was loaded", b.t.Node, arch)
	}
	return nil
}

// allLoaded reports whether every module was loaded into node.
func allLoaded(rs []codeload.Result, n term.Atom) bool {
	found := false
	for _, r := range rs {
		if r.Node == n {
			found = true
			if r.Status != codeload.Loaded {
				return false
			}
		}
	}
	return found
}

// rebuild is the Rebuild of an espflash job: the board's .avm with mods
// put in, noting which replaced a module and which were added.
type rebuild struct {
	mods            []*codeload.Module
	replaced, added []string
}

func (r *rebuild) apply(cur []byte) ([]byte, error) {
	d, err := avm.Decode(cur)
	if err != nil {
		return nil, fmt.Errorf("the .avm on the board: %w", err)
	}
	have := map[string]bool{}
	for _, rec := range d.Records {
		if rec.IsBEAM() {
			have[rec.Name] = true
		}
	}
	r.replaced, r.added = nil, nil
	files := make([]*beam.File, len(r.mods))
	for i, m := range r.mods {
		files[i] = m.File
		if have[m.Name+".beam"] {
			r.replaced = append(r.replaced, m.Name)
		} else {
			r.added = append(r.added, m.Name)
		}
	}
	return avm.Replace(cur, files, beam.StripOptions{})
}

// persistOne rebuilds and flashes one board's .avm, verified, records it
// in the fleet, and waits for the board's node to come back.
func persistOne(ctx context.Context, f *cmdutil.Factory, o *Options, l nodeLister, b *board, mods []*codeload.Module) (*persisted, error) {
	out := &persisted{board: b}
	p := newPersistProgress(f)
	p.Log(fmt.Sprintf("Persisting on %s: the board is reset into its ROM loader (%s disconnects and its processes stop), its main.avm is rebuilt with the %d module(s) and written where it changed, verified, and the board restarts from it", b.device, b.t.Node, len(mods)))
	loan, err := o.Borrow(ctx, b.device, borrower())
	if err != nil {
		return out, cmdutil.Unreachable(fmt.Errorf("%s: take the port from the node for the flasher: %w", b.device, err))
	}
	link, err := o.OpenLink(b.device, serialdist.DefaultBaud)
	if err != nil {
		loan.Return()
		return out, cmdutil.Unreachable(err)
	}
	rb := &rebuild{mods: mods}
	// The board's restart is read while we hold the port (BootLogWait).
	set := espflash.Settings{Baud: o.Baud, After: espflash.HardReset}
	job := set.Job(nil, nil)
	job.Rebuild = rb.apply
	res, err := espflash.Run(ctx, link, set.Options(b.device, b.dev, p.Log, p.Update, espflash.BootLogWait), job)
	p.Finish()
	reset := time.Now()
	// The node reopens the port, prints the boot log read here as the
	// board's console (then what follows), and redials the board.
	var boot []byte
	if res != nil {
		boot = []byte(res.Boot)
	}
	loan.ReturnConsole(boot)
	if err != nil {
		if ctx.Err() != nil {
			step := ""
			var e *espflash.Error
			if errors.As(err, &e) {
				step = e.Step
			}
			return out, cmdutil.FlashInterrupted(err, b.device, step)
		}
		return out, persistError(err)
	}
	out.res, out.rb = res, rb
	out.fleetErr = recordPersist(o, b, res, rb)
	out.back, out.after = waitBack(ctx, l, b.device, reset, o.backTimeout())
	return out, nil
}

// persistError maps a flashing error to an exit code, with what to do
// when the board would not enter its loader.
func persistError(err error) error {
	err = cmdutil.ExplainFlash(err)
	var e *espflash.Error
	if errors.As(err, &e) && errors.Is(err, espflash.ErrNoSync) {
		e.Hint = "the board did not enter its ROM loader through DTR/RTS (the modules may be gone too, if it was reset). To keep them: hold BOOT, press and release EN, release BOOT, then flash the whole application: avmsh pack -o app.avm ... && avmsh flash PORT app.avm --before no-reset"
	}
	// The modules are loaded by now, so nothing here is a usage error
	// (exit 2 promises that nothing was sent): the board is unreachable
	// (3), or the flash could not be done on it (1).
	switch {
	case errors.Is(err, espflash.ErrNoSync), errors.Is(err, espflash.ErrLinkClosed), errors.Is(err, context.Canceled):
		return cmdutil.Unreachable(err)
	}
	return cmdutil.Remote(err)
}

// recordPersist notes the verified flash in the fleet state.
func recordPersist(o *Options, b *board, res *espflash.Result, rb *rebuild) error {
	s, err := o.Fleet()
	if err != nil {
		return err
	}
	name := espflash.AppPartition + " (load --persist " + strings.Join(append(append([]string(nil), rb.replaced...), rb.added...), ", ") + ")"
	if len(name) > 120 {
		name = name[:117] + "..."
	}
	return flashrec.RecordESP(s, b.dev, res, flashrec.ESP{App: name, AtomVM: b.release})
}

// nodeLister is what waitBack needs of the local node.
type nodeLister interface{ Nodes() []node.PeerInfo }

// waitBack waits for the node to connect again over device after the
// reset (the node redials once the new application starts serial
// distribution) and returns the node and how long it took.
func waitBack(ctx context.Context, l nodeLister, device string, since time.Time, limit time.Duration) (term.Atom, time.Duration) {
	deadline := time.Now().Add(limit)
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for {
		for _, pi := range l.Nodes() {
			if pi.Transport == "serial" && pi.Remote == device && pi.Since.After(since) {
				return pi.Node, pi.Since.Sub(since)
			}
		}
		if time.Now().After(deadline) {
			return "", 0
		}
		select {
		case <-ctx.Done():
			return "", 0
		case <-t.C:
		}
	}
}

// backTimeout is how long to wait for the board's node after the reset:
// --timeout, at most the node's redial window.
func (o *Options) backTimeout() time.Duration {
	if o.Timeout <= 0 || o.Timeout > serialnode.RedialTimeout {
		return serialnode.RedialTimeout
	}
	return o.Timeout
}

func borrower() string { return fmt.Sprintf("avmsh load --persist (pid %d)", os.Getpid()) }

package source

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/avmsh/avmsh/devices"
	"github.com/avmsh/avmsh/devices/espflash"
	"github.com/avmsh/avmsh/devices/flashrec"
	"github.com/avmsh/avmsh/devices/fleet"
	"github.com/avmsh/avmsh/devices/rp2"
	"github.com/avmsh/avmsh/devices/uf2"
	"github.com/avmsh/avmsh/node/serialdist"
	"github.com/avmsh/avmsh/node/serialnode"
	"github.com/avmsh/avmsh/vm/term"
)

var _ Flasher = (*Live)(nil)

// maxFlashFile bounds a file read for flashing (the largest ESP32 flash
// is 16 MiB; a Pico's is smaller).
const maxFlashFile = 32 << 20

// flasher implements Flasher on Live's node.
type flasher struct {
	env     *env
	connect func(context.Context, string) (term.Atom, error)
	files   *lastFiles

	// Follow-ups after a flash (the port opened again, the node
	// connected) run until close.
	ctx    context.Context
	cancel context.CancelFunc
	mu     sync.Mutex
	closed bool
	wg     sync.WaitGroup
	unhook func()

	// What the flasher uses, replaced in tests.
	list     func(context.Context, devices.ListOptions) ([]devices.Device, error)
	openLink func(device string, baud int) (espflash.Link, error)
	borrow   func(ctx context.Context, device, borrower string) (*serialdist.Loan, error)
	drives   rp2.Finder
	touch    func(string) error
	now      func() time.Time
}

func newFlasher(e *env, connect func(context.Context, string) (term.Atom, error)) *flasher {
	f := &flasher{env: e, connect: connect, files: newLastFiles(), list: devices.List, openLink: espflash.OpenSerial,
		borrow: serialdist.Borrow, touch: rp2.Touch1200, now: time.Now}
	f.ctx, f.cancel = context.WithCancel(context.Background())
	// A port lent (to this flasher, or to `avmsh flash` elsewhere) comes
	// back as a new Port: keep showing its console.
	f.unhook = e.local.Transport().OnReopen(func(p *serialdist.Port) {
		e.mu.Lock()
		e.dialed[p.Name()] = p
		e.mu.Unlock()
	})
	return f
}

// close cancels a flash still running and the follow-ups, and waits for
// them.
func (f *flasher) close() {
	f.unhook()
	f.mu.Lock()
	f.closed = true
	f.mu.Unlock()
	f.cancel()
	f.wg.Wait()
}

// begin counts a flash or a follow-up in (false once closed).
func (f *flasher) begin() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return false
	}
	f.wg.Add(1)
	return true
}

// device finds the listing of port (for its USB identity).
func (f *flasher) device(ctx context.Context, port string) devices.Device {
	if port == "" {
		return devices.Device{}
	}
	devs, _ := f.list(ctx, devices.ListOptions{SkipAccess: true, Paths: []string{port}})
	for _, d := range devs {
		if d.Path == port {
			return d
		}
	}
	return devices.Device{Path: port}
}

func isPico(d devices.Device) bool { return d.VID == "2e8a" || d.Path == "" }

// LastFlashFile implements Flasher.
func (f *flasher) LastFlashFile(ctx context.Context, port string) string {
	if port == "" {
		return ""
	}
	id, _ := flashrec.ID(f.device(ctx, port))
	return f.files.get(id.Key())
}

// PlanFlash implements Flasher.
func (f *flasher) PlanFlash(ctx context.Context, port, path string) (FlashPlan, error) {
	d := f.device(ctx, port)
	plan := FlashPlan{Port: port, Pico: isPico(d)}
	if d.Board != nil {
		plan.Board = d.Board.Name
	}
	data, abs, err := readFlashFile(path)
	if err != nil {
		return plan, err
	}
	plan.Path, plan.Size = abs, int64(len(data))
	plan.Kind, plan.ImageChip, err = classify(data, plan.Pico)
	if err != nil {
		return plan, fmt.Errorf("%s: %w", path, err)
	}
	plan.Confirm = plan.Kind != FlashApp
	if !plan.Pico {
		plan.Settings = espflash.DefaultSettings()
		if port != "" {
			id, _ := flashrec.ID(d)
			plan.Settings = f.files.settings(id.Key())
		}
	}
	return plan, nil
}

// readFlashFile reads a file to flash, bounded, with its absolute path.
func readFlashFile(path string) ([]byte, string, error) {
	if path == "" {
		return nil, "", errors.New("type the path of an .avm (or of an AtomVM image); tab completes")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, "", err
	}
	fh, err := os.Open(abs)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, abs, fmt.Errorf("%s: no such file", path)
		}
		return nil, abs, err
	}
	defer fh.Close()
	if st, err := fh.Stat(); err == nil && st.IsDir() {
		return nil, abs, fmt.Errorf("%s is a directory: give a file (tab completes)", path)
	}
	data, err := io.ReadAll(io.LimitReader(fh, maxFlashFile+1))
	if err != nil {
		return nil, abs, fmt.Errorf("read %s: %w", path, err)
	}
	if len(data) > maxFlashFile {
		return nil, abs, fmt.Errorf("%s is larger than %d MiB: no board's flash holds it", path, maxFlashFile>>20)
	}
	return data, abs, nil
}

// classify tells what a file is by its content: the .avm header, an ESP
// image's magic byte, a UF2's magic numbers.
func classify(data []byte, pico bool) (FlashKind, string, error) {
	if espflash.CheckAVM(data) == nil {
		return FlashApp, "", nil
	}
	_, uf2Err := uf2.Decode(data)
	id, espErr := espflash.ImageChip(data)
	switch {
	case pico && uf2Err == nil:
		return FlashUF2, "", nil
	case !pico && espErr == nil:
		name := fmt.Sprintf("chip id %d", id)
		if c, ok := espflash.ChipByID(id); ok {
			name = c.Name
		}
		return FlashFirmware, name, nil
	case pico && espErr == nil:
		return "", "", errors.New("an ESP32 firmware image, and this board is a Raspberry Pi Pico: give an .avm or AtomVM's .uf2 for the Pico")
	case !pico && uf2Err == nil:
		return "", "", errors.New("a UF2 (for a Raspberry Pi Pico), and this board is flashed through the ESP32 ROM loader: give an .avm or AtomVM's .img for the chip")
	}
	return "", "", espflash.CheckAVM(data)
}

// borrower is how the dashboard names itself to a port's holder.
func borrower() string { return fmt.Sprintf("the avmsh dashboard's flasher (pid %d)", os.Getpid()) }

// Flash implements Flasher. Closing Live cancels it (the dashboard
// quits) and waits for it to give the port back.
func (f *flasher) Flash(ctx context.Context, plan FlashPlan, progress func(FlashProgress)) (FlashResult, error) {
	if !f.begin() {
		return FlashResult{}, errors.New("the dashboard is closing")
	}
	defer f.wg.Done()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer context.AfterFunc(f.ctx, cancel)()
	data, _, err := readFlashFile(plan.Path)
	if err != nil {
		return FlashResult{}, err
	}
	if kind, _, err := classify(data, plan.Pico); err != nil || kind != plan.Kind {
		return FlashResult{}, fmt.Errorf("%s changed since it was chosen: choose it again", plan.Path)
	}
	var opts *espflash.Settings
	if !plan.Pico {
		if err := plan.Settings.Check(plan.Kind == FlashFirmware); err != nil {
			return FlashResult{}, err
		}
		opts = &plan.Settings
	}
	d := f.device(ctx, plan.Port)
	if plan.Port != "" {
		id, _ := flashrec.ID(d)
		if err := f.files.set(id.Key(), plan.Path, opts); err != nil { // the prompt's and the options' start next time only
			f.env.log.Info("flashed file not remembered", "err", err)
		}
	}
	m := &meter{now: f.now, report: progress}
	res := FlashResult{Port: plan.Port, File: filepath.Base(plan.Path), Kind: plan.Kind}
	held := plan.Port != "" && f.env.openPorts()[plan.Port] != nil // by the dashboard's node
	var loan *serialdist.Loan
	if plan.Port != "" {
		m.log(fmt.Sprintf("Taking %s...", plan.Port))
		if loan, err = f.borrow(ctx, plan.Port, borrower()); err != nil {
			return FlashResult{}, fmt.Errorf("%s: take the port: %w", plan.Port, err)
		}
		res.Lender = loan.Holder
	}
	if plan.Pico {
		err = f.flashPico(ctx, plan, d, data, m, &res)
	} else {
		err = f.flashESP(ctx, plan, d, data, m, &res)
	}
	if loan != nil {
		loan.ReturnConsole([]byte(res.Boot)) // the holder reopens the port, its console led by the boot log
	}
	if err != nil {
		return FlashResult{}, err
	}
	switch {
	case held:
		// The node's transport reopens the port, and the node redials
		// the board's node when the new application starts distribution
		// (serialnode, as after `avmsh flash`); with --after no-reset
		// the board stays in its loader and none does.
		res.Reconnect, res.Lender = res.Started != "", "the dashboard's node"
	case res.Started == "":
		// --after no-reset, a port nobody held: it stays closed, the
		// board in its loader (ready for another flash).
	case plan.Port != "" && res.Lender == "":
		// Nobody in avmsh held the port: the dashboard opens it now, to
		// show the boot and connect to the new application's node.
		res.Reconnect = true
		f.follow(plan.Port, []byte(res.Boot))
	}
	return res, nil
}

// record notes a verified flash in the fleet state (devices/flashrec,
// as avmsh flash does). Failing to is logged: the flash itself is done.
func (f *flasher) record(rec func(*fleet.Store) error) {
	s, err := flashrec.DefaultStore(os.Getenv)
	if err == nil {
		err = rec(s)
	}
	if err != nil {
		f.env.log.Info("verified flash not recorded in the fleet state", "err", err)
	}
}

// flashESP writes through the ROM loader (espflash.Run), with the
// plan's Settings made into its options and job as avmsh flash makes
// its flags.
func (f *flasher) flashESP(ctx context.Context, plan FlashPlan, d devices.Device, data []byte, m *meter, res *FlashResult) error {
	set := plan.Settings
	job := set.Job(data, nil)
	if plan.Kind == FlashFirmware {
		job = set.Job(nil, data)
	}
	link, err := f.openLink(plan.Port, serialdist.DefaultBaud)
	if err != nil {
		return err
	}
	m.log(fmt.Sprintf("Connecting to %s (%s)...", plan.Port, set.ConnectText(d)))
	// The boot log is shown on the port's console once it is open again.
	r, err := espflash.Run(ctx, link, set.Options(plan.Port, d, m.log, m.update, espflash.BootLogWait), job)
	if err != nil {
		return err
	}
	res.Boot = r.Boot
	in := flashrec.ESP{App: plan.Path}
	if plan.Kind == FlashFirmware {
		in = flashrec.ESP{Firmware: plan.Path, FirmwareImage: data}
	}
	f.record(func(s *fleet.Store) error { return flashrec.RecordESP(s, d, r, in) })
	res.Chip, res.MAC, res.FlashSize, res.Seconds, res.Started = r.Info.Chip, r.Info.MAC, r.Info.FlashSize, r.Seconds, r.Started
	for _, reg := range []*espflash.Region{r.Firmware, r.App} {
		if reg != nil {
			res.Regions = append(res.Regions, FlashRegion{Name: reg.Name, Offset: reg.Offset, Size: reg.Size,
				Written: reg.Written, Skipped: reg.Skipped, Kept: reg.Kept, MD5: reg.MD5})
		}
	}
	return nil
}

// flashPico copies a UF2 to the board's BOOTSEL drive (rp2.Install): an
// .avm wrapped at AtomVM's application address for both chips, as
// `avmsh flash` does by default, or a .uf2 as it is.
func (f *flasher) flashPico(ctx context.Context, plan FlashPlan, d devices.Device, file []byte, m *meter, res *FlashResult) error {
	start := f.now()
	name := strings.TrimSuffix(filepath.Base(plan.Path), filepath.Ext(plan.Path)) + ".uf2"
	data := file
	if plan.Kind == FlashApp {
		data = uf2.Encode(file, uf2.AppAddress, uf2.Universal)
	}
	in := rp2.Install{Port: plan.Port, Finder: f.drives, Touch: f.touch, Log: m.log}
	drive, err := in.Copy(ctx, name, data)
	if err != nil {
		return err
	}
	f.record(func(s *fleet.Store) error {
		return flashrec.RecordPico(s, d, drive.Chip(), []flashrec.Image{{Path: plan.Path, Data: file}})
	})
	res.Chip, res.Drive, res.Started = drive.Chip(), drive.Path, "rebooted"
	res.Regions = []FlashRegion{{Name: name, Size: len(data), Written: int64(len(data)), MD5: md5Hex(data)}}
	res.Seconds = f.now().Sub(start).Seconds()
	return nil
}

// follow opens a port again after a flash (the board may re-enumerate:
// retried for serialdist.ReopenTimeout), so that its console shows, and
// connects to the board's node once its application starts serial
// distribution (within serialnode.RedialTimeout), as the node does for
// a port it held (serialnode's redial after a loan).
func (f *flasher) follow(port string, boot []byte) {
	if !f.begin() {
		return
	}
	go func() {
		defer f.wg.Done()
		ctx, cancel := context.WithTimeout(f.ctx, serialdist.ReopenTimeout+serialnode.RedialTimeout)
		defer cancel()
		p := f.reopen(ctx, port)
		if p == nil {
			return
		}
		p.PrefaceConsole(boot) // the boot log the flasher read leads the console
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for p.Stats().Markers == 0 {
			select {
			case <-ctx.Done():
				return
			case <-p.Done():
				return
			case <-t.C:
			}
		}
		if _, err := f.connect(ctx, "serial:"+port); err != nil {
			f.env.log.Info("board not connected after the flash", "port", port, "err", err)
		}
	}()
}

// reopen opens port through the node's transport, retrying.
func (f *flasher) reopen(ctx context.Context, port string) *serialdist.Port {
	deadline := time.Now().Add(serialdist.ReopenTimeout)
	for {
		p, err := f.env.local.Port("serial:" + port)
		if err == nil {
			f.env.mu.Lock()
			f.env.dialed[p.Name()] = p
			f.env.mu.Unlock()
			return p
		}
		if time.Now().After(deadline) {
			f.env.log.Info("port not opened after the flash", "port", port, "err", err)
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func md5Hex(b []byte) string {
	sum := md5.Sum(b)
	return hex.EncodeToString(sum[:])
}

// meter turns the flasher's reports into FlashProgress snapshots, with
// the rate and time left of the phase going on.
type meter struct {
	now    func() time.Time
	report func(FlashProgress)

	mu    sync.Mutex
	cur   FlashProgress
	key   string
	start time.Time
}

// log takes a step line.
func (m *meter) log(s string) {
	m.mu.Lock()
	m.cur.Log = s
	p := m.cur
	m.mu.Unlock()
	m.send(p)
}

// update takes a progress report from espflash.
func (m *meter) update(r espflash.Progress) {
	m.mu.Lock()
	now := m.now()
	if key := r.Region + "/" + r.Phase; key != m.key {
		m.key, m.start = key, now
	}
	c := &m.cur
	c.Region, c.Phase, c.Done, c.Total, c.Rate, c.ETA = r.Region, r.Phase, r.Done, r.Total, 0, -1
	if el := now.Sub(m.start).Seconds(); el > 0 && r.Done > 0 {
		c.Rate = float64(r.Done) / el
		c.ETA = time.Duration(float64(r.Total-r.Done) / c.Rate * float64(time.Second)).Round(time.Second)
	}
	if r.Total > 0 && r.Done >= r.Total {
		c.ETA = 0
	}
	p := *c
	m.mu.Unlock()
	m.send(p)
}

func (m *meter) send(p FlashProgress) {
	if m.report != nil {
		m.report(p)
	}
}

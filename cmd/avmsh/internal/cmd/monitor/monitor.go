package monitorcmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/avmsh/avmsh/cmd/avmsh/internal/cmdutil"
	"github.com/avmsh/avmsh/devices"
	"github.com/avmsh/avmsh/node/serialdist"
)

// Options are the flags and dependencies of `avmsh monitor`.
type Options struct {
	IO     *cmdutil.IOStreams
	Getenv func(string) string

	Port        string
	Baud        int
	Timestamps  bool
	TimeFormat  string
	LogFile     string
	Reset       bool
	ResetMode   string
	EOL         string
	NoReconnect bool
	// Safe shows control characters visibly (devices.AppendVisible)
	// instead of passing them to the terminal; Raw, the default, passes
	// them on as other serial monitors do.
	Safe bool
	Raw  bool

	// Preface is console text to show first: what the board printed
	// while a flasher still held the port (espflash.Result.Boot, its boot
	// log after the reset), for `flash --monitor`.
	Preface []byte

	// Open and ResetStyleOf replace the real port in tests.
	Open         func(serialdist.Address) (*serialdist.Port, error)
	ResetStyleOf func(ctx context.Context, device string) devices.ResetStyle
}

// NewCmdMonitor returns the `monitor` command.
func NewCmdMonitor(f *cmdutil.Factory) *cobra.Command {
	opts := &Options{IO: f.IO, Getenv: f.Getenv}
	cmd := &cobra.Command{
		Use:   "monitor PORT",
		Short: "Show a board's serial console (like idf.py monitor)",
		Long: `Show the console output of the board on PORT as it arrives, and send what you
type to it. PORT is a device (/dev/ttyUSB0, ttyACM0, COM3) or a serial address
(serial:/dev/ttyUSB0?baud=921600, see docs/serial.md).

AtomVM distribution frames and sync markers on the port are recognised and
hidden, so the monitor can watch a port that also carries distribution.

Keys (when standard input is a terminal): Ctrl-] quits; Ctrl-T R resets the
board; Ctrl-T P resets it into its ROM bootloader; Ctrl-T S toggles
timestamps; Ctrl-T H lists the keys. When standard input is not a terminal
the monitor only streams, until it is interrupted.

Resets pulse DTR/RTS: the classic ESP32 auto-reset circuit of USB-UART
bridges (CP210x, CH340, CH9102, FTDI) or Espressif's USB-Serial/JTAG
(303a:1001), chosen from the board's USB ID unless --reset-mode says. When a
board re-enumerates (native USB after a reset), the monitor waits for the
port and reopens it.

The board's bytes reach the terminal as they are, escape sequences
included (colours, cursor moves), as with idf.py monitor or miniterm
(--raw, the default). --safe shows control characters visibly instead
(ESC as ^[, BEL as ^G, bytes that are not UTF-8 as \xNN; tabs, newlines
and UTF-8 text kept): use it when the line may carry noise or the board
is not trusted.`,
		Example: `  avmsh monitor /dev/ttyUSB0
  avmsh monitor ttyACM0 --reset --timestamps
  avmsh monitor /dev/ttyUSB0 --baud 921600 --log boot.log
  avmsh monitor 'serial:/dev/cu.usbserial-0001?baud=115200' --reset-mode classic
  avmsh monitor /dev/ttyUSB0 --safe`,
		Args: cmdutil.PositionalArgs(1, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Port = args[0]
			switch opts.ResetMode {
			case "auto", string(devices.ResetClassic), string(devices.ResetUSBJTAG), string(devices.ResetNone):
			default:
				return cmdutil.UsageError("--reset-mode must be auto, classic, usb-jtag or none, not %q", opts.ResetMode)
			}
			switch strings.ToUpper(opts.EOL) {
			case "CRLF", "CR", "LF":
			default:
				return cmdutil.UsageError("--eol must be CRLF, CR or LF, not %q", opts.EOL)
			}
			return Run(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.IntVarP(&opts.Baud, "baud", "b", 0, "line speed (default 115200, or the address's baud)")
	fl.BoolVarP(&opts.Timestamps, "timestamps", "t", false, "prefix every line with the time it arrived")
	fl.StringVar(&opts.TimeFormat, "timestamp-format", "2006-01-02 15:04:05.000", "Go time layout of --timestamps")
	fl.StringVar(&opts.LogFile, "log", "", "also append the output to this file")
	fl.BoolVarP(&opts.Reset, "reset", "r", false, "reset the board when the monitor starts")
	fl.StringVar(&opts.ResetMode, "reset-mode", "auto", "reset circuit: auto (from the USB ID), classic, usb-jtag or none")
	fl.StringVar(&opts.EOL, "eol", "CRLF", "what Enter sends: CRLF, CR or LF")
	fl.BoolVar(&opts.NoReconnect, "no-reconnect", false, "exit when the port goes away instead of waiting for it")
	fl.BoolVar(&opts.Safe, "safe", false, "show control characters visibly (^[, ^G, \\xNN) instead of passing them to the terminal")
	fl.BoolVar(&opts.Raw, "raw", false, "pass the board's bytes to the terminal as they are (the default)")
	cmd.MarkFlagsMutuallyExclusive("safe", "raw")
	cmdutil.EnumFlag(fl, "reset-mode", "auto", string(devices.ResetClassic), string(devices.ResetUSBJTAG), string(devices.ResetNone))
	cmdutil.EnumFlag(fl, "eol", "CRLF", "CR", "LF")
	cmd.ValidArgsFunction = cmdutil.CompleteArgs(cmdutil.CompleteSerialPorts, nil)
	return cmd
}

// Run runs the monitor until ctx ends, the user quits, or (with
// NoReconnect) the port fails.
func Run(ctx context.Context, opts *Options) error {
	addr, err := serialdist.ParseAddress(opts.Port)
	if err != nil {
		return cmdutil.UsageError("%v", err)
	}
	if opts.Baud != 0 {
		addr.Baud = opts.Baud
	}
	open := opts.Open
	if open == nil {
		open = func(a serialdist.Address) (*serialdist.Port, error) {
			return serialdist.Open(a, serialdist.PortConfig{})
		}
	}
	port, err := open(addr)
	if err != nil {
		return cmdutil.Unreachable(cmdutil.WithHint(err))
	}

	var logW io.Writer
	if opts.LogFile != "" {
		f, err := os.OpenFile(opts.LogFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			port.Close()
			return fmt.Errorf("open log file: %w", err)
		}
		defer f.Close()
		logW = f
	}

	// Keyboard: raw mode when standard input is a terminal.
	var keys <-chan []byte
	raw := false
	done := make(chan struct{})
	defer close(done)
	if in, ok := opts.IO.In.(*os.File); ok && opts.IO.InIsTerminal {
		if st, err := term.MakeRaw(int(in.Fd())); err == nil {
			raw = true
			defer term.Restore(int(in.Fd()), st)
			keys = readKeys(in, done)
		}
	}
	cw := devices.NewConsoleWriter(opts.IO.Out, devices.ConsoleOptions{
		Timestamps: opts.Timestamps, TimeFormat: opts.TimeFormat, CRLF: raw, Log: logW,
	})
	nl := "\n"
	if raw {
		nl = "\r\n"
	}
	baud := addr.Baud
	if baud == 0 {
		baud = serialdist.DefaultBaud
	}
	fmt.Fprintf(opts.IO.ErrOut, "--- avmsh monitor on %s at %d baud ---%s", addr.Device, baud, nl)
	if raw {
		fmt.Fprintf(opts.IO.ErrOut, "--- Quit: Ctrl-] | Menu: Ctrl-T | Help: Ctrl-T H ---%s", nl)
	}

	m := &monitor{opts: opts, addr: addr, cw: cw, keys: keys, km: keyMachine{eol: eolBytes(opts.EOL)}, lender: newLender()}
	// Another avmsh (a flasher) may borrow the port: it is closed for
	// the loan and reopened afterwards.
	if stop, err := serialdist.Offer(addr.Device, fmt.Sprintf("avmsh monitor (pid %d)", os.Getpid()), m.lender); err == nil {
		defer stop()
	}
	if opts.Reset {
		m.reset(ctx, port, false)
	}
	var console io.Writer = cw
	var visible *devices.VisibleWriter
	if opts.Safe && !opts.Raw {
		visible = devices.NewVisibleWriter(cw)
		console = visible
	}
	m.console = console
	if len(opts.Preface) > 0 {
		_, _ = console.Write(opts.Preface)
	}
	var frames, markers int64
	for {
		stop := port.ConsoleTo(console)
		quit, perr := m.session(ctx, port)
		st := port.Stats()
		port.Close()
		stop()
		if visible != nil {
			_ = visible.Flush()
		}
		frames += st.FramesIn
		markers += st.Markers
		if quit || ctx.Err() != nil {
			if frames+markers > 0 {
				fmt.Fprintf(opts.IO.ErrOut, "--- hidden from the console: %d distribution frames, %d sync markers ---%s", frames, markers, nl)
			}
			return ended(ctx, addr)
		}
		if who, ok := lentTo(perr); ok {
			cw.Notice(fmt.Sprintf("--- %s lent to %s; waiting for it back (Ctrl-] or Ctrl-C quits) ---", addr.Device, who))
			m.lender.lent <- struct{}{}
			if quit := m.waitReturn(ctx); quit {
				return ended(ctx, addr)
			}
			if port, quit = m.reopen(ctx, open); quit {
				return ended(ctx, addr)
			}
			cw.Notice(fmt.Sprintf("--- %s is back ---", addr.Device))
			continue
		}
		cw.Notice(fmt.Sprintf("--- %s: %v ---", addr.Device, perr))
		if opts.NoReconnect {
			return cmdutil.Unreachable(perr)
		}
		cw.Notice(fmt.Sprintf("--- waiting for %s to come back (Ctrl-] or Ctrl-C quits) ---", addr.Device))
		if port, quit = m.reopen(ctx, open); quit {
			return ended(ctx, addr)
		}
		cw.Notice(fmt.Sprintf("--- %s reconnected ---", addr.Device))
	}
}

// ended is the monitor's result when the user leaves: nil for Ctrl-]
// (or the end of ctx's parent), and the interruption (exit 130) for
// Ctrl-C or SIGTERM, as every command.
func ended(ctx context.Context, addr serialdist.Address) error {
	if ctx.Err() != nil {
		return cmdutil.Interrupted(ctx.Err(), "the monitor on %s stopped", addr.Device)
	}
	return nil
}

func eolBytes(s string) string {
	switch strings.ToUpper(s) {
	case "CR":
		return "\r"
	case "LF":
		return "\n"
	}
	return "\r\n"
}

type monitor struct {
	lender  *lender
	console io.Writer // the board's text goes here (after --safe's filter)
	opts    *Options
	addr    serialdist.Address
	cw      *devices.ConsoleWriter
	keys    <-chan []byte
	km      keyMachine
	style   devices.ResetStyle
}

// session runs until the user quits (true), ctx ends (true) or the port
// fails (false and its error).
func (m *monitor) session(ctx context.Context, p *serialdist.Port) (bool, error) {
	for {
		select {
		case <-ctx.Done():
			return true, nil
		case <-p.Done():
			return false, p.Err()
		case who := <-m.lender.req:
			return false, errLent{who}
		case b, ok := <-m.keys:
			if !ok {
				m.keys = nil
				continue
			}
			out, acts := m.km.feed(b)
			if len(out) > 0 {
				if _, err := p.Write(out); err != nil {
					return false, err
				}
			}
			for _, a := range acts {
				switch a {
				case actQuit:
					return true, nil
				case actReset:
					m.reset(ctx, p, false)
				case actBootloader:
					m.reset(ctx, p, true)
				case actHelp:
					m.cw.Notice(helpText)
				case actTimestamps:
					m.cw.SetTimestamps(!m.cw.Timestamps())
				}
			}
		}
	}
}

// reset pulses DTR/RTS and says so.
func (m *monitor) reset(ctx context.Context, p *serialdist.Port, boot bool) {
	if m.style == "" {
		m.style = m.resetStyle(ctx)
	}
	what := "reset"
	if boot {
		what = "reset into the ROM bootloader"
	}
	if err := devices.Reset(ctx, p, m.style, boot); err != nil {
		m.cw.Notice(fmt.Sprintf("--- %s failed: %v ---", what, err))
		return
	}
	m.cw.Notice(fmt.Sprintf("--- board %s (%s circuit) ---", what, m.style))
}

func (m *monitor) resetStyle(ctx context.Context) devices.ResetStyle {
	if m.opts.ResetMode != "" && m.opts.ResetMode != "auto" {
		return devices.ResetStyle(m.opts.ResetMode)
	}
	if m.opts.ResetStyleOf != nil {
		return m.opts.ResetStyleOf(ctx, m.addr.Device)
	}
	return styleFromListing(ctx, m.addr.Device)
}

// styleFromListing finds the device's USB ID among the listed ports.
func styleFromListing(ctx context.Context, device string) devices.ResetStyle {
	devs, err := devices.List(ctx, devices.ListOptions{SkipAccess: true})
	if err != nil {
		return devices.ResetClassic
	}
	want, _ := filepath.EvalSymlinks(device)
	for _, d := range devs {
		real, _ := filepath.EvalSymlinks(d.Path)
		if d.Path == device || (real != "" && real == want) {
			if d.USB {
				return devices.ResetStyleFor(d.VID, d.PID)
			}
		}
	}
	return devices.ResetClassic
}

// reopen waits for the device to come back. It reports quit when the
// user or ctx ended the wait.
func (m *monitor) reopen(ctx context.Context, open func(serialdist.Address) (*serialdist.Port, error)) (*serialdist.Port, bool) {
	t := time.NewTicker(250 * time.Millisecond)
	defer t.Stop()
	last := ""
	for {
		select {
		case <-ctx.Done():
			return nil, true
		case b, ok := <-m.keys:
			if !ok {
				m.keys = nil
				continue
			}
			if _, acts := m.km.feed(b); len(acts) > 0 && acts[0] == actQuit {
				return nil, true
			}
		case who := <-m.lender.req: // the port is closed already
			m.cw.Notice(fmt.Sprintf("--- %s lent to %s ---", m.addr.Device, who))
			m.lender.lent <- struct{}{}
			if m.waitReturn(ctx) {
				return nil, true
			}
		case <-t.C:
			p, err := open(m.addr)
			if err == nil {
				return p, false
			}
			if msg := err.Error(); msg != last && !errors.Is(err, serialdist.ErrPortNotFound) {
				last = msg // e.g. permission denied until udev has set the group
				m.cw.Notice(fmt.Sprintf("--- %v ---", err))
			}
		}
	}
}

// readKeys forwards keyboard input; it ends at EOF, or at the first read
// after done is closed.
func readKeys(in io.Reader, done <-chan struct{}) <-chan []byte {
	ch := make(chan []byte)
	go func() {
		defer close(ch)
		buf := make([]byte, 256)
		for {
			n, err := in.Read(buf)
			if n > 0 {
				select {
				case ch <- append([]byte(nil), buf[:n]...):
				case <-done:
					return
				}
			}
			if err != nil {
				return
			}
		}
	}()
	return ch
}

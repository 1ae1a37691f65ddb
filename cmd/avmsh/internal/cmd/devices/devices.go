package devicescmd

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/avmsh/avmsh/cmd/avmsh/internal/cmdutil"
	"github.com/avmsh/avmsh/devices"
	"github.com/avmsh/avmsh/devices/espflash"
	"github.com/avmsh/avmsh/node/serialdist"
)

// Options are the flags and dependencies of `avmsh devices`.
type Options struct {
	IO     *cmdutil.IOStreams
	Getenv func(string) string

	Output    string
	Probe     bool
	ProbeTime time.Duration
	Deep      bool
	Cookie    string
	Paths     []string
	Watch     bool
	Interval  time.Duration

	// List and WatchFn replace the devices package in tests.
	List    func(context.Context, devices.ListOptions) ([]devices.Device, error)
	WatchFn func(context.Context, time.Duration) <-chan devices.Event
	ProbeFn func(context.Context, string, devices.ProbeOptions) devices.ProbeResult

	f *cmdutil.Factory // resolves the cookie of --deep
	// ChipProbe asks an ESP board's ROM loader what it is (--deep).
	ChipProbe func(context.Context, string, devices.ResetStyle) devices.ChipInfo
}

// NewCmdDevices returns the `devices` command.
func NewCmdDevices(f *cmdutil.Factory) *cobra.Command { return newCmd(f, nil) }

// newCmd builds the command; prep may replace dependencies (tests).
func newCmd(f *cmdutil.Factory, prep func(*Options)) *cobra.Command {
	opts := &Options{IO: f.IO, Getenv: f.Getenv, List: devices.List, WatchFn: devices.Watch, ProbeFn: devices.Probe, ChipProbe: espflash.ProbeChip, f: f}
	if prep != nil {
		prep(opts)
	}
	cmd := &cobra.Command{
		Use:   "devices [PORT...]",
		Args:  cmdutil.PositionalArgs(0, -1),
		Short: "List serial ports and the boards on them",
		Long: `List this machine's serial ports with their USB identity (VID:PID, serial
number, product), the board family (ESP32 native USB or USB-UART bridge,
Raspberry Pi Pico, including boards in BOOTSEL mode) and whether avmsh can
open them (permission, busy).

--probe opens each free port for about a second without sending anything and
listens for AtomVM's serial distribution (an idle node sends a sync marker
every half second). Opening a port asserts DTR/RTS as any serial program
does; that does not reset ESP32 boards.

--deep goes further on ports where a node answered: a temporary hidden node
connects (handshake with --cookie), asks erlang:system_info(machine) and
reports the node's name and kind (atom for AtomVM, beam, avmsh) and version.
On ESP32 boards where no node answered, --deep also asks the chip's ROM
loader: the board is RESET into its loader (whatever it runs is
interrupted), its chip, MAC and flash size are read, and it is reset back
into its application. A Raspberry Pi Pico in BOOTSEL mode shows its drive.

With PORT arguments only those ports are listed and probed, including ones
the USB enumeration does not show (a pty, serial:/dev/ttyS1).`,
		Example: `  avmsh devices                  # table of serial ports
  avmsh devices --probe          # ... and which ones run AtomVM serial distribution
  avmsh devices --output json    # machine-readable
  avmsh devices --watch          # follow boards being plugged and unplugged
  avmsh devices --deep --cookie AtomVM /dev/ttyUSB0   # name and kind of the node on one port
  avmsh devices --deep /dev/ttyUSB0       # ... or, if none answers, the ESP chip (resets the board)`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Output != "table" && opts.Output != "json" {
				return cmdutil.UsageError("--output must be table or json, not %q", opts.Output)
			}
			for _, a := range args {
				addr, err := serialdist.ParseAddress(a)
				if err != nil {
					return cmdutil.UsageError("%v", err)
				}
				opts.Paths = append(opts.Paths, addr.Device)
			}
			if opts.Watch && len(args) > 0 {
				return cmdutil.UsageError("--watch follows every port; give no PORT with it")
			}
			if opts.Deep {
				opts.Probe = true
			}
			return run(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&opts.Output, "output", "o", "table", "output format: table or json")
	cmdutil.EnumFlag(fl, "output", "table", "json")
	cmd.ValidArgsFunction = cmdutil.CompleteSerialPorts
	fl.BoolVar(&opts.Probe, "probe", false, "listen on each free port for an AtomVM node")
	fl.DurationVar(&opts.ProbeTime, "probe-time", devices.DefaultProbeTime, "how long --probe listens on each port")
	fl.BoolVar(&opts.Deep, "deep", false, "connect to the nodes --probe finds and ask them their name and kind; ask other ESP32 boards' ROM loader their chip (resets them) (implies --probe)")
	fl.StringVarP(&opts.Cookie, "cookie", "c", "", "cookie for --deep (default: $AVMSH_COOKIE, then ~/.erlang.cookie)")
	fl.BoolVarP(&opts.Watch, "watch", "w", false, "keep running and report ports as they appear, change and disappear")
	fl.DurationVar(&opts.Interval, "interval", time.Second, "how often --watch looks")
	return cmd
}

func run(ctx context.Context, opts *Options) error {
	if opts.Watch {
		return watch(ctx, opts)
	}
	po, err := probeOptions(opts)
	if err != nil {
		return err
	}
	devs, err := opts.List(ctx, devices.ListOptions{Probe: opts.Probe, ProbeOptions: po, Paths: opts.Paths})
	if err != nil {
		return err
	}
	if opts.Deep {
		probeChips(ctx, opts, devs)
	}
	if opts.Output == "json" {
		if devs == nil {
			devs = []devices.Device{}
		}
		enc := json.NewEncoder(opts.IO.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(devs)
	}
	if len(devs) == 0 {
		fmt.Fprintln(opts.IO.ErrOut, "No serial ports found. Plug a board in (a data USB cable, not a charge-only one), or check its driver.")
		return nil
	}
	printTable(opts.IO.Out, devs, opts.Probe, newPalette(opts))
	return nil
}

// probeOptions are the probe settings of the flags; --deep adds the node
// probe.
func probeOptions(opts *Options) (devices.ProbeOptions, error) {
	po := devices.ProbeOptions{Listen: opts.ProbeTime}
	if opts.Deep {
		cookie, _, err := cmdutil.ResolveCookie(opts.f, opts.Cookie)
		if err != nil {
			return po, err
		}
		po.Deep = devices.NodeProbe(devices.DeepConfig{Cookie: cookie})
	}
	return po, nil
}

// palette colours output on terminals that want it.
type palette struct{ on bool }

func newPalette(opts *Options) palette {
	getenv := opts.Getenv
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	return palette{on: opts.IO.IsTerminal && getenv("NO_COLOR") == "" && getenv("TERM") != "dumb"}
}

func (p palette) wrap(code, s string) string {
	if !p.on || s == "" {
		return s
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}

func (p palette) access(a devices.Access) string {
	switch a {
	case devices.AccessOK:
		return p.wrap("32", string(a))
	case devices.AccessBusy:
		return p.wrap("33", string(a))
	case devices.AccessDenied:
		return p.wrap("31", string(a))
	}
	return p.wrap("2", string(a))
}

func boardText(d devices.Device) string {
	switch {
	case d.Board != nil:
		return d.Board.Name
	case d.Product != "" || d.Manufacturer != "":
		return strings.TrimSpace(d.Manufacturer + " " + d.Product)
	case !d.USB:
		return "(not USB)"
	}
	return ""
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func printTable(w io.Writer, devs []devices.Device, probe bool, pal palette) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	hdr := "PORT\tUSB ID\tBOARD\tSERIAL\tACCESS"
	if probe {
		hdr += "\tATOMVM"
	}
	chips := false
	for _, d := range devs {
		chips = chips || d.Chip != nil
	}
	if chips {
		hdr += "\tCHIP"
	}
	fmt.Fprintln(tw, pal.wrap("1", hdr))
	var notes []string
	for _, d := range devs {
		path := d.Path
		if path == "" {
			path = "(no port)"
			if d.Drive != "" {
				path = "(drive " + d.Drive + ")"
			}
		}
		row := fmt.Sprintf("%s\t%s\t%s\t%s\t%s", path, orDash(d.ID()), orDash(boardText(d)), orDash(d.SerialNumber), pal.access(d.Access))
		if probe {
			row += "\t" + probeText(d, pal)
		}
		if chips {
			row += "\t" + chipText(d.Chip)
		}
		fmt.Fprintln(tw, row)
		if d.Chip != nil && d.Chip.Error != "" {
			notes = append(notes, fmt.Sprintf("%s: --deep chip probe: %s", path, strings.SplitN(d.Chip.Error, "\n", 2)[0]))
		}
		switch {
		case d.AccessDetail != "" && d.Access != devices.AccessOK:
			detail := d.AccessDetail
			if d.Drive != "" && d.Path == "" {
				detail += "; flash it with: avmsh flash " + d.Drive + " app.avm"
			}
			notes = append(notes, fmt.Sprintf("%s: %s", path, detail))
		case len(d.OpenIn) > 0 && d.Access == devices.AccessOK:
			notes = append(notes, fmt.Sprintf("%s: also open in %s (no lock: avmsh can open it too)", path, strings.Join(d.OpenIn, ", ")))
		}
		if d.AtomVM != nil && d.AtomVM.DeepError != "" {
			notes = append(notes, fmt.Sprintf("%s: --deep: %s", path, d.AtomVM.DeepError))
		}
	}
	tw.Flush()
	if chips {
		notes = append(notes, "ESP boards in the CHIP column were reset into their ROM loader to read it, then back into their application.")
	}
	if len(notes) > 0 {
		fmt.Fprintln(w)
		for _, n := range notes {
			fmt.Fprintln(w, n)
		}
	}
}

func chipText(c *devices.ChipInfo) string {
	switch {
	case c == nil:
		return "-"
	case c.Error != "":
		return "no answer"
	}
	s := c.Name
	if c.MAC != "" {
		s += " " + c.MAC
	}
	if c.FlashSize > 0 {
		s += fmt.Sprintf(" %dMB", c.FlashSize>>20)
	}
	return s
}

// probeChips asks the ROM loader of ESP boards where no node answered
// what chip they are (this resets them).
func probeChips(ctx context.Context, opts *Options, devs []devices.Device) {
	for i := range devs {
		d := &devs[i]
		if d.Path == "" || d.Board == nil || d.Board.Family != "ESP32" && d.Board.Family != "USB-UART" {
			continue
		}
		if d.AtomVM != nil && d.AtomVM.Answered || d.Access == devices.AccessBusy || d.Access == devices.AccessDenied {
			continue
		}
		c := opts.ChipProbe(ctx, d.Path, devices.ResetStyleFor(d.VID, d.PID))
		d.Chip = &c
	}
}

func probeText(d devices.Device, pal palette) string {
	switch {
	case d.AtomVM == nil:
		return "-"
	case d.AtomVM.Answered:
		return pal.wrap("1;32", d.AtomVM.Summary())
	}
	return d.AtomVM.Summary()
}

// watch reports hot-plug events until ctx ends.
func watch(ctx context.Context, opts *Options) error {
	pal := newPalette(opts)
	enc := json.NewEncoder(opts.IO.Out)
	if opts.Output == "table" {
		fmt.Fprintln(opts.IO.ErrOut, "Watching serial ports; press Ctrl-C to stop.")
	}
	po, err := probeOptions(opts)
	if err != nil {
		return err
	}
	for ev := range opts.WatchFn(ctx, opts.Interval) {
		if opts.Probe && ev.Type != devices.Removed && ev.Device.Path != "" && ev.Device.Access != devices.AccessBusy && ev.Device.Access != devices.AccessDenied && len(ev.Device.OpenIn) == 0 {
			r := opts.ProbeFn(ctx, ev.Device.Path, po)
			ev.Device.AtomVM = &r
		}
		if opts.Output == "json" {
			if err := enc.Encode(ev); err != nil {
				return err
			}
			continue
		}
		sign := map[devices.EventType]string{devices.Added: pal.wrap("32", "+"), devices.Removed: pal.wrap("31", "-"), devices.Changed: pal.wrap("33", "~")}[ev.Type]
		d := ev.Device
		path := d.Path
		if path == "" {
			path = "(no port)"
		}
		line := fmt.Sprintf("%s %s %s  %s  %s  %s", time.Now().Format("15:04:05"), sign, path, orDash(d.ID()), orDash(boardText(d)), pal.access(d.Access))
		if d.AtomVM != nil {
			line += "  " + probeText(d, pal)
		}
		fmt.Fprintln(opts.IO.Out, line)
	}
	return nil
}

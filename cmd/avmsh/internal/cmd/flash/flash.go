package flashcmd

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	monitorcmd "github.com/avmsh/avmsh/cmd/avmsh/internal/cmd/monitor"
	"github.com/avmsh/avmsh/cmd/avmsh/internal/cmdutil"
	"github.com/avmsh/avmsh/devices"
	"github.com/avmsh/avmsh/devices/espflash"
	"github.com/avmsh/avmsh/devices/flashrec"
	"github.com/avmsh/avmsh/devices/fleet"
	"github.com/avmsh/avmsh/devices/rp2"
	"github.com/avmsh/avmsh/node/serialdist"
)

// Options are the flags and dependencies of `avmsh flash`.
type Options struct {
	IO     *cmdutil.IOStreams
	Getenv func(string) string

	Port      string // a device, serial:ADDRESS, or a BOOTSEL drive's directory
	File      string // the .avm (or a firmware .uf2 for a Pico)
	Firmware  string
	Partition string
	Baud      int
	Before    string
	After     string
	ResetMode string
	NoStub    bool
	EraseNVS  bool
	EraseApp  bool
	Chip      string
	UF2Out    string
	Monitor   bool
	Output    string

	// Dependencies, replaced in tests.
	List     func(context.Context, devices.ListOptions) ([]devices.Device, error)
	OpenLink func(device string, baud int) (espflash.Link, error)
	Borrow   func(ctx context.Context, device, borrower string) (*serialdist.Loan, error)
	Drives   rp2.Finder
	Touch    func(device string) error
	// RunMonitor runs the console after --monitor; preface is what the
	// board printed while the flasher still held the port (its boot log).
	RunMonitor func(ctx context.Context, port string, preface []byte) error
	// Fleet opens the fleet state where verified flashes are recorded
	// ($XDG_STATE_HOME/avmsh/fleet.json).
	Fleet func() (*fleet.Store, error)
}

// NewCmdFlash returns the `flash` command.
func NewCmdFlash(f *cmdutil.Factory) *cobra.Command { return newCmd(f, nil) }

func newCmd(f *cmdutil.Factory, prep func(*Options)) *cobra.Command {
	opts := &Options{IO: f.IO, Getenv: f.Getenv, List: devices.List, OpenLink: espflash.OpenSerial,
		Borrow: serialdist.Borrow, Touch: rp2.Touch1200}
	opts.Fleet = func() (*fleet.Store, error) { return flashrec.DefaultStore(opts.Getenv) }
	opts.RunMonitor = func(ctx context.Context, port string, preface []byte) error {
		return monitorcmd.Run(ctx, &monitorcmd.Options{IO: opts.IO, Getenv: opts.Getenv, Port: port, EOL: "CRLF", ResetMode: "auto", Preface: preface})
	}
	if prep != nil {
		prep(opts)
	}
	cmd := &cobra.Command{
		Use:   "flash [PORT|DRIVE] [FILE.avm]",
		Short: "Put an AtomVM application (or AtomVM itself) on an ESP32 or a Raspberry Pi Pico",
		Long: heredoc.Doc(`
			Write an AtomVM application (.avm, made by packbeam or 'rebar3 atomvm
			packbeam') onto a board.

			ESP32, S2, S3, C3, C6, H2 (and C2, C5, P4): avmsh resets the board into its ROM
			loader (DTR/RTS, the classic circuit of USB-UART bridges or the
			USB-Serial/JTAG controller of 303a:1001), loads Espressif's flasher stub,
			prints the chip, MAC and flash size, reads the partition table at 0x8000
			and writes the file into the partition labelled main.avm, wherever this
			build of AtomVM put it (0x210000, 0x250000 ... are never assumed). Only the
			4 KiB sectors that differ are written (compressed); the loader's MD5 of
			the flash is then compared with the file's, and the board is reset into
			the application. Nothing is reported done unless verified.

			--firmware IMAGE installs or updates AtomVM itself at the chip's
			bootloader offset (0x1000 on ESP32/S2, 0x0 on S3/C2/C3/C6/H2, 0x2000 on
			C5/P4), after checking the image is for this chip. The board's NVS and
			its application are kept (the image's own partition table says where
			they are) unless --erase-nvs / --erase-app. With FILE.avm too, both are
			written in one go.

			Raspberry Pi Pico (RP2040) and Pico 2 (RP2350): the .avm becomes a UF2 at
			AtomVM's application address 0x10180000 and is copied to the BOOTSEL
			drive (RPI-RP2 or RP2350). Give the board's serial port (it is reset into
			BOOTSEL by a 1200-baud touch, and avmsh waits up to 30 s for the drive) or
			the drive's directory. A .uf2 file (AtomVM itself) is copied as it is.
			--uf2 OUT.uf2 only writes the file.

			Every verified flash is recorded in the fleet state
			($XDG_STATE_HOME/avmsh/fleet.json): the board, the file, its MD5, the chip,
			the partition table and, for AtomVM itself, its version.

			PORT may be left out when exactly one board is plugged in. If avmsh holds
			the port elsewhere (a monitor, a node's serial distribution, the
			dashboard), it is taken for the flash and given back: a node connected
			over it is redialled when the new application starts distribution.

			If the board will not enter its loader: hold BOOT (IO0), press and release
			EN (RST), release BOOT, and run again with --before no-reset.
			See docs/flash.md.`),
		Example: heredoc.Doc(`
			avmsh flash app.avm                          # the one board plugged in
			avmsh flash /dev/ttyUSB0 app.avm --monitor   # ... then its console
			avmsh flash ttyACM0 app.avm --baud 921600 -o json
			avmsh flash --firmware AtomVM-esp32s3-v0.6.6.img /dev/ttyACM0
			avmsh flash --firmware AtomVM-esp32-v0.6.6.img /dev/ttyUSB0 app.avm --erase-nvs
			avmsh flash /dev/ttyACM0 app.avm --before no-reset   # board held in its loader by hand
			avmsh flash /media/$USER/RPI-RP2 app.avm      # a Pico in BOOTSEL
			avmsh flash /dev/ttyACM0 AtomVM-pico-v0.6.6.uf2
			avmsh flash --uf2 app.uf2 --chip universal app.avm`),
		Args: cmdutil.PositionalArgs(0, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := opts.parseArgs(args); err != nil {
				return err
			}
			return Run(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Firmware, "firmware", "", "AtomVM firmware image to install or update (at the chip's bootloader offset)")
	fl.IntVarP(&opts.Baud, "baud", "b", espflash.DefaultFlashBaud, "speed to switch to for writing, once the flasher stub runs (115200 keeps the ROM's)")
	fl.StringVar(&opts.Before, "before", "default-reset", "how to enter the ROM loader: default-reset (DTR/RTS) or no-reset (it is there already)")
	fl.StringVar(&opts.After, "after", "hard-reset", "afterwards: hard-reset (run the application) or no-reset (stay in the loader)")
	fl.StringVar(&opts.ResetMode, "reset-mode", "auto", "reset circuit: auto (from the USB ID), classic or usb-jtag")
	fl.StringVar(&opts.Partition, "partition", espflash.AppPartition, "label of the application partition")
	fl.BoolVar(&opts.EraseNVS, "erase-nvs", false, "with --firmware: overwrite the NVS partition (Wi-Fi credentials, settings) too")
	fl.BoolVar(&opts.EraseApp, "erase-app", false, "with --firmware: overwrite the application partition with the image's contents")
	fl.BoolVar(&opts.NoStub, "no-stub", false, "talk to the ROM loader only (slower; cannot read the partition table)")
	fl.StringVar(&opts.Chip, "chip", "", "Pico: UF2 family: rp2040, rp2350 or universal (both, AtomVM's default)")
	fl.StringVar(&opts.UF2Out, "uf2", "", "only write the UF2 of FILE.avm to this file (no board needed)")
	fl.BoolVarP(&opts.Monitor, "monitor", "m", false, "go on into the board's console afterwards (like idf.py flash monitor)")
	fl.StringVarP(&opts.Output, "output", "o", "text", "result format: text or json")
	cmdutil.EnumFlag(fl, "output", "text", "json")
	cmdutil.EnumFlag(fl, "before", "default-reset", "no-reset")
	cmdutil.EnumFlag(fl, "after", "hard-reset", "no-reset")
	cmdutil.EnumFlag(fl, "reset-mode", "auto", "classic", "usb-jtag")
	cmdutil.EnumFlag(fl, "chip", "rp2040", "rp2350", "universal")
	_ = cmd.RegisterFlagCompletionFunc("firmware", cobra.CompletionFunc(cmdutil.CompleteFileExt("img", "bin", "uf2")))
	_ = cmd.RegisterFlagCompletionFunc("uf2", cobra.CompletionFunc(cmdutil.CompleteFileExt("uf2")))
	cmd.ValidArgsFunction = cmdutil.CompleteArgs(completePortOrFile, cmdutil.CompleteFileExt("avm", "uf2"))
	return cmd
}

// parseArgs sorts the positional arguments into a port and a file: with
// two, PORT FILE; with one, a file that exists (or ends in .avm/.uf2)
// is the FILE and anything else the PORT.
func (o *Options) parseArgs(args []string) error {
	switch len(args) {
	case 2:
		o.Port, o.File = args[0], args[1]
	case 1:
		if isFileArg(args[0]) {
			o.File = args[0]
		} else {
			o.Port = args[0]
		}
	}
	switch {
	case o.Output != "text" && o.Output != "json":
		return cmdutil.UsageError("--output must be text or json, not %q", o.Output)
	case o.UF2Out != "" && o.File == "":
		return cmdutil.UsageError("--uf2 needs FILE.avm")
	case o.UF2Out != "" && (o.Port != "" || o.Firmware != ""):
		return cmdutil.UsageError("--uf2 only writes a file: give no PORT and no --firmware")
	case o.File == "" && o.Firmware == "":
		return cmdutil.UsageError("nothing to flash: give FILE.avm, --firmware IMAGE, or both")
	}
	if err := o.settings().Check(o.Firmware != ""); err != nil {
		var se *espflash.SettingError
		if errors.As(err, &se) {
			return cmdutil.UsageError("--%s: %v", se.Setting, err)
		}
		return cmdutil.UsageError("%v", err)
	}
	if o.Chip != "" {
		if _, err := parseChip(o.Chip); err != nil {
			return cmdutil.UsageError("--chip: %v", err)
		}
	}
	return nil
}

// settings are the flags' espflash.Settings: the one way, shared with
// the dashboard, of turning them into espflash.Run's options and job.
func (o *Options) settings() espflash.Settings {
	s := espflash.Settings{Before: espflash.Before(o.Before), After: espflash.After(o.After), Baud: o.Baud,
		EraseNVS: o.EraseNVS, EraseApp: o.EraseApp, Partition: o.Partition, NoStub: o.NoStub}
	if o.ResetMode != "auto" {
		s.Reset = devices.ResetStyle(o.ResetMode)
	}
	return s
}

func isFileArg(s string) bool {
	if st, err := os.Stat(s); err == nil && st.Mode().IsRegular() {
		return true
	}
	ext := strings.ToLower(filepath.Ext(s))
	return ext == ".avm" || ext == ".uf2" || ext == ".img" || ext == ".bin"
}

// Run flashes as opts say.
func Run(ctx context.Context, opts *Options) error {
	if opts.UF2Out != "" {
		return writeUF2(opts)
	}
	t, err := chooseTarget(ctx, opts)
	if err != nil {
		return err
	}
	if t.pico {
		return flashPico(ctx, opts, t)
	}
	return flashESP(ctx, opts, t)
}

// readFile reads a file named on the command line, with a clear error.
func readFile(path, what string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, cmdutil.UsageError("%s %s: no such file", what, path)
		}
		return nil, cmdutil.UsageError("%s %s: %v", what, path, err)
	}
	return b, nil
}

func borrower() string { return fmt.Sprintf("avmsh flash (pid %d)", os.Getpid()) }

// completePortOrFile completes the first argument: a serial port when
// what is typed looks like one, else an .avm or .uf2 file.
func completePortOrFile(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	for _, p := range []string{"/dev/", "serial:", "tty", "cu.", "COM"} {
		if toComplete == "" || strings.HasPrefix(toComplete, p) || strings.HasPrefix(p, toComplete) {
			if ports, dir := cmdutil.CompleteSerialPorts(cmd, args, toComplete); len(ports) > 0 || toComplete != "" {
				return ports, dir
			}
			break
		}
	}
	return cmdutil.CompleteFileExt("avm", "uf2")(cmd, args, toComplete)
}

package flashcmd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/avmsh/avmsh/cmd/avmsh/internal/cmdutil"
	"github.com/avmsh/avmsh/cmd/avmsh/internal/flashprogress"
	"github.com/avmsh/avmsh/devices/espflash"
	"github.com/avmsh/avmsh/devices/flashrec"
	"github.com/avmsh/avmsh/devices/fleet"
	"github.com/avmsh/avmsh/node/serialdist"
)

// flashESP writes to an ESP32-family board through its ROM loader.
func flashESP(ctx context.Context, o *Options, t *target) error {
	var app, firmware []byte
	var err error
	if o.File != "" {
		if app, err = readFile(o.File, "application"); err != nil {
			return err
		}
		if err := espflash.CheckAVM(app); err != nil {
			return cmdutil.UsageError("%s: %v", o.File, err)
		}
	}
	if o.Firmware != "" {
		if firmware, err = readFile(o.Firmware, "firmware image"); err != nil {
			return err
		}
		if _, err := espflash.ImageChip(firmware); err != nil {
			return cmdutil.UsageError("%s: %v", o.Firmware, err)
		}
	}
	set := o.settings()
	job := set.Job(app, firmware)
	loan, err := o.Borrow(ctx, t.device, borrower())
	if err != nil {
		return cmdutil.Unreachable(fmt.Errorf("%s: take the port: %w", t.device, err))
	}
	// What the board prints as it restarts is read here, while the
	// flasher holds the port: it goes back to the holder with the port
	// (its console shows it), or into the monitor.
	var boot []byte
	defer func() {
		if o.Monitor {
			loan.Return() // the monitor showed it
			return
		}
		loan.ReturnConsole(boot)
	}()
	p := flashprogress.New(o.IO.ErrOut, o.IO.IsTerminal)
	if loan.Holder != "" {
		p.Log(fmt.Sprintf("Took %s from %s; it gets it back afterwards", t.device, loan.Holder))
	}
	link, err := o.OpenLink(t.device, serialdist.DefaultBaud)
	if err != nil {
		return cmdutil.Unreachable(err)
	}
	p.Log(fmt.Sprintf("Connecting to %s (%s)...", t.device, set.ConnectText(t.dev)))
	res, err := espflash.Run(ctx, link, set.Options(t.device, t.dev, p.Log, p.Update, bootLog(o.Monitor || loan.Holder != "")), job)
	p.Finish()
	if err != nil {
		if ctx.Err() != nil {
			return flashInterrupted(err, t.device)
		}
		return classify(err)
	}
	record(o, func(s *fleet.Store) error {
		return flashrec.RecordESP(s, t.dev, res, flashrec.ESP{App: o.File, Firmware: o.Firmware, FirmwareImage: job.Firmware})
	})
	boot = []byte(res.Boot)
	if err := printResult(o.IO.Out, o.Output, res); err != nil {
		return err
	}
	if o.Monitor {
		addr := t.addr
		return o.RunMonitor(ctx, addr.String(), boot)
	}
	return nil
}

// bootLog is the espflash.Options.BootLog of a flash whose board's
// restart someone watches (a monitor, or the holder of the port).
func bootLog(watched bool) time.Duration {
	if watched {
		return espflash.BootLogWait
	}
	return 0
}

// flashInterrupted is the error of a flash Ctrl-C stopped: where, and
// whether the board may be left partly written.
func flashInterrupted(err error, port string) error {
	step := ""
	var e *espflash.Error
	if errors.As(err, &e) {
		step = e.Step
	}
	return cmdutil.FlashInterrupted(err, port, step)
}

// classify maps a flashing error to an exit code: bad input 2, a board
// that cannot be reached 3, a failure on the board 1.
func classify(err error) error {
	err = cmdutil.ExplainFlash(err)
	switch {
	case errors.Is(err, espflash.ErrTooLarge), errors.Is(err, espflash.ErrNotAVM), errors.Is(err, espflash.ErrWrongChip), errors.Is(err, espflash.ErrNoPartition):
		return &cmdutil.ExitError{Code: cmdutil.ExitUsage, Err: err}
	case errors.Is(err, espflash.ErrNoSync), errors.Is(err, espflash.ErrLinkClosed), errors.Is(err, context.Canceled):
		return cmdutil.Unreachable(err)
	}
	return cmdutil.Remote(err)
}

// jsonResult is --output json: the board, the totals and each region.
type jsonResult struct {
	Port         string              `json:"port"`
	Chip         string              `json:"chip"`
	MAC          string              `json:"mac,omitempty"`
	FlashSize    int                 `json:"flash_size,omitempty"`
	Partition    *espflash.Partition `json:"partition,omitempty"`
	BytesWritten int64               `json:"bytes_written"`
	BytesSkipped int64               `json:"bytes_skipped"`
	Seconds      float64             `json:"seconds"`
	MD5          string              `json:"md5"`
	Verified     bool                `json:"verified"`
	Started      string              `json:"started,omitempty"`
	App          *espflash.Region    `json:"app,omitempty"`
	Firmware     *espflash.Region    `json:"firmware,omitempty"`
}

func printResult(w io.Writer, format string, r *espflash.Result) error {
	j := jsonResult{Port: r.Port, Chip: r.Info.Chip, MAC: r.Info.MAC, FlashSize: r.Info.FlashSize, Seconds: r.Seconds, Verified: true, Started: r.Started, App: r.App, Firmware: r.Firmware}
	for _, reg := range []*espflash.Region{r.Firmware, r.App} {
		if reg != nil {
			j.BytesWritten += reg.Written
			j.BytesSkipped += reg.Skipped
			j.MD5 = reg.MD5
			j.Partition = reg.Partition
		}
	}
	if format == "json" {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(j)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s on %s", r.Info.Chip, r.Port)
	if r.Info.MAC != "" {
		fmt.Fprintf(&b, ", MAC %s", r.Info.MAC)
	}
	if r.Info.FlashSize > 0 {
		fmt.Fprintf(&b, ", %d MB flash", r.Info.FlashSize>>20)
	}
	b.WriteString("\n")
	if f := r.Firmware; f != nil {
		fmt.Fprintf(&b, "firmware at 0x%X: %d bytes, %s written, %s unchanged", f.Offset, f.Size, flashprogress.BytesText(f.Written), flashprogress.BytesText(f.Skipped))
		if len(f.Kept) > 0 {
			fmt.Fprintf(&b, ", kept %s", strings.Join(f.Kept, " and "))
		}
		fmt.Fprintf(&b, "; MD5 %s verified\n", f.MD5)
	}
	if a := r.App; a != nil {
		fmt.Fprintf(&b, "%s: %d bytes, %s written, %s unchanged; MD5 %s verified\n", a.Partition, a.Size, flashprogress.BytesText(a.Written), flashprogress.BytesText(a.Skipped), a.MD5)
	}
	switch r.Started {
	case "":
		fmt.Fprintf(&b, "Done in %.1f s; the board stays in its loader (--after no-reset)\n", r.Seconds)
	default:
		fmt.Fprintf(&b, "Done in %.1f s; the board runs the application (%s)\n", r.Seconds, r.Started)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// record notes a verified flash in the fleet state (devices/fleet,
// through flashrec). Failing to is a warning: the flash itself is done.
func record(o *Options, rec func(*fleet.Store) error) {
	s, err := o.Fleet()
	if err == nil {
		err = rec(s)
	}
	switch {
	case err == nil:
	case errors.Is(err, flashrec.ErrUnknownBoard):
		fmt.Fprintf(o.IO.ErrOut, "note: not recorded in the fleet state: %v\n", err)
	default:
		fmt.Fprintf(o.IO.ErrOut, "warning: the flash is done and verified, but recording it in the fleet state failed: %v\n", err)
	}
}

package flashprogress

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/avmsh/avmsh/devices/espflash"
)

// Printer shows a flash's progress: a bar with bytes, rate and ETA on a
// terminal, one line per 10 % otherwise. Phases other than writing get
// one line each. Its methods are called from one goroutine (espflash.Run
// calls Log and Update from its own).
type Printer struct {
	w       io.Writer
	bar     bool
	now     func() time.Time
	key     string
	start   time.Time
	drawn   time.Time
	decile  int64
	lastLen int
	active  bool
}

// New returns a Printer writing to w (stderr), with a bar when bar is
// set (w is a terminal).
func New(w io.Writer, bar bool) *Printer {
	return &Printer{w: w, bar: bar, now: time.Now}
}

// Log prints a line from the flasher (espflash.ConnectOptions.Log).
func (p *Printer) Log(msg string) {
	p.clear()
	fmt.Fprintln(p.w, msg)
}

func (p *Printer) clear() {
	if p.active {
		fmt.Fprintf(p.w, "\r%s\r", strings.Repeat(" ", p.lastLen))
		p.active = false
	}
}

// Update takes a report from the flasher (espflash.Options.Progress).
func (p *Printer) Update(r espflash.Progress) {
	key := r.Region + "/" + r.Phase
	if key != p.key {
		p.clear()
		p.key, p.start, p.decile = key, p.now(), -1
		switch r.Phase {
		case "read":
			fmt.Fprintf(p.w, "Reading %s from the board...\n", r.Region)
		case "compare":
			fmt.Fprintf(p.w, "Comparing %s with the flash (%s)...\n", r.Region, BytesText(r.Total))
		case "verify":
			fmt.Fprintf(p.w, "Verifying %s (MD5)...\n", r.Region)
		}
	}
	if r.Phase != "write" || r.Total == 0 {
		return
	}
	if p.bar {
		if t := p.now(); t.Sub(p.drawn) >= 100*time.Millisecond || r.Done == r.Total {
			p.drawn = t
			p.draw(r)
		}
		return
	}
	if d := r.Done * 10 / r.Total; d > p.decile {
		p.decile = d
		fmt.Fprintf(p.w, "Writing %s: %3d%% (%s of %s)\n", r.Region, d*10, BytesText(r.Done), BytesText(r.Total))
	}
}

func (p *Printer) draw(r espflash.Progress) {
	const width = 30
	fill := int(r.Done * width / r.Total)
	el := p.now().Sub(p.start).Seconds()
	rate := 0.0
	if el > 0 {
		rate = float64(r.Done) / el
	}
	eta := "--"
	if rate > 0 && r.Done < r.Total {
		eta = fmtDur(float64(r.Total-r.Done) / rate)
	} else if r.Done == r.Total {
		eta = "done"
	}
	line := fmt.Sprintf("Writing %s [%s%s] %3d%% %s/%s %s/s ETA %s", r.Region, strings.Repeat("=", fill), strings.Repeat(" ", width-fill),
		r.Done*100/r.Total, BytesText(r.Done), BytesText(r.Total), BytesText(int64(rate)), eta)
	pad := ""
	if n := p.lastLen - len(line); n > 0 {
		pad = strings.Repeat(" ", n)
	}
	fmt.Fprintf(p.w, "\r%s%s", line, pad)
	p.lastLen, p.active = len(line), true
	if r.Done == r.Total {
		fmt.Fprintln(p.w)
		p.active = false
	}
}

// Finish ends a bar left open (an error in the middle).
func (p *Printer) Finish() { p.clear() }

func fmtDur(s float64) string {
	d := time.Duration(s * float64(time.Second)).Round(time.Second)
	return d.String()
}

// BytesText is n bytes for people: "512 B", "4.0 KiB", "1.2 MiB".
func BytesText(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

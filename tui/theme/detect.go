package theme

import (
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/lipgloss"

	_ "github.com/avmsh/avmsh/tui/theme/noquery" // no terminal query at start-up
)

// DefaultQueryTimeout is how long Detect waits for the terminal's
// answer: a local terminal answers in a few milliseconds, one over ssh
// within a round trip.
const DefaultQueryTimeout = 150 * time.Millisecond

// Terminal is the terminal the dashboard runs in.
type Terminal struct {
	// In and Out are the terminal (nothing is asked unless both are
	// one).
	In, Out *os.File
	// Getenv reads the environment (TERM, NO_COLOR, COLORFGBG).
	Getenv func(string) string
	// Timeout bounds the wait for the answer (DefaultQueryTimeout when
	// 0).
	Timeout time.Duration
}

// Detection is what Detect found.
type Detection struct {
	// Dark is set when the background is dark (also when it is not
	// known: most terminals are).
	Dark bool
	// Asked is set when the terminal was asked; Answered when it
	// answered in time.
	Asked, Answered bool
	// Restore puts the terminal's input mode back (echo stays off from
	// the question until then, so that a late answer is not echoed):
	// call it when the dashboard has ended. Never nil.
	Restore func()
}

// Detect finds whether the terminal's background is dark. COLORFGBG
// tells when it is set; otherwise the terminal is asked (OSC 11, followed
// by a cursor position request, which every terminal answers, so that
// one that does not know OSC 11 answers at once), with echo off, inside
// the alternate screen — a terminal that prints sequences it does not
// know prints them there, and the screen is left at once — and for at
// most t.Timeout. Nothing is asked when In or Out is not a terminal,
// with NO_COLOR, or when TERM is dumb, linux (the console prints OSC as
// text), screen or tmux (several clients may answer, as termenv decides).
// An answer that comes late reaches the program's input: see
// app.DropTerminalReplies.
func Detect(t Terminal) Detection {
	d := Detection{Dark: true, Restore: func() {}}
	getenv := t.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	if dark, ok := colorFGBG(getenv("COLORFGBG")); ok {
		d.Dark = dark
		return d
	}
	term := getenv("TERM")
	switch {
	case getenv("NO_COLOR") != "", term == "", term == "dumb", term == "linux",
		strings.HasPrefix(term, "screen"), strings.HasPrefix(term, "tmux"), t.In == nil, t.Out == nil:
		return d
	}
	timeout := t.Timeout
	if timeout <= 0 {
		timeout = DefaultQueryTimeout
	}
	reply, asked, restore := ask(t.In, t.Out, timeout)
	d.Asked, d.Restore = asked, restore
	if dark, ok := parseBackground(reply); ok {
		d.Dark, d.Answered = dark, true
	} else if cursorReport(reply) {
		d.Answered = true // the cursor position only: no OSC 11
	}
	return d
}

// The query: enter the alternate screen, ask for the background colour
// and the cursor position, leave the alternate screen.
const (
	enterAlt = "\x1b[?1049h"
	leaveAlt = "\x1b[?1049l"
	askBG    = "\x1b]11;?\x1b\\"
	askPos   = "\x1b[6n"
	// Query is what Detect writes (tests look for it).
	Query = enterAlt + askBG + askPos + leaveAlt
)

// colorFGBG reads COLORFGBG ("15;0": foreground 15 on background 0).
func colorFGBG(v string) (dark, ok bool) {
	i := strings.LastIndexByte(v, ';')
	if i < 0 {
		return false, false
	}
	bg, err := strconv.Atoi(v[i+1:])
	if err != nil {
		return false, false
	}
	return bg < 7 || bg == 8, true // the ANSI colours 7 and 9–15 are light
}

// parseBackground reads an OSC 11 answer, "\x1b]11;rgb:RRRR/GGGG/BBBB"
// ended by ST or BEL, anywhere in reply.
func parseBackground(reply string) (dark, ok bool) {
	i := strings.Index(reply, "\x1b]11;rgb:")
	if i < 0 {
		return false, false
	}
	s := reply[i+len("\x1b]11;rgb:"):]
	if j := strings.IndexAny(s, "\x1b\a"); j >= 0 {
		s = s[:j]
	}
	parts := strings.Split(s, "/")
	if len(parts) != 3 {
		return false, false
	}
	var rgb [3]float64
	for k, p := range parts {
		if len(p) == 0 || len(p) > 4 {
			return false, false
		}
		v, err := strconv.ParseUint(p, 16, 16)
		if err != nil {
			return false, false
		}
		rgb[k] = float64(v) / float64(uint64(1)<<(4*len(p))-1)
	}
	// Relative luminance (ITU-R BT.709), as termenv's dark test.
	return 0.2126*rgb[0]+0.7152*rgb[1]+0.0722*rgb[2] < 0.5, true
}

// ForTerminal returns the dashboard's styles for out: colours as the
// environment allows (NO_COLOR, TERM; never by asking), adapted to a
// dark or light background as Detect found.
func ForTerminal(out io.Writer, d Detection) Theme {
	r := lipgloss.NewRenderer(out)
	r.SetHasDarkBackground(d.Dark)
	return New(r)
}

// cursorReport reports whether s holds a cursor position report
// (ESC [ row ; col R), which ends the answer.
func cursorReport(s string) bool {
	for {
		i := strings.Index(s, "\x1b[")
		if i < 0 {
			return false
		}
		s = s[i+2:]
		j := 0
		for j < len(s) && (s[j] >= '0' && s[j] <= '9' || s[j] == ';') {
			j++
		}
		if j > 0 && j < len(s) && s[j] == 'R' {
			return true
		}
	}
}

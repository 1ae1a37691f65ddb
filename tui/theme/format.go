package theme

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"
)

// Bytes formats a byte count compactly (12.3 MiB).
func Bytes(n int64) string {
	switch {
	case n <= 0:
		return "-"
	case n < 1<<10:
		return fmt.Sprintf("%d B", n)
	case n < 1<<20:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	case n < 1<<30:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
}

// Duration formats an uptime or age (3d4h, 5m12s, 850ms).
func Duration(d time.Duration) string {
	switch {
	case d <= 0:
		return "-"
	case d < time.Second:
		return fmt.Sprintf("%dms", d.Milliseconds())
	case d < time.Hour:
		return d.Truncate(time.Second).String()
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh%dm", int(d.Hours()), int(d.Minutes())%60)
	}
	return fmt.Sprintf("%dd%dh", int(d.Hours())/24, int(d.Hours())%24)
}

// Cell pads or truncates s to exactly w columns (display width).
func Cell(s string, w int) string {
	if w <= 0 {
		return ""
	}
	sw := Width(s)
	if sw > w {
		if w == 1 {
			return "…"
		}
		return ansi.Truncate(s, w-1, "") + "…"
	}
	b := make([]byte, 0, len(s)+w-sw)
	b = append(b, s...)
	for range w - sw {
		b = append(b, ' ')
	}
	return string(b)
}

// cellTo writes Cell(s, w) to b.
func cellTo(b *strings.Builder, s string, w int) {
	if sw := Width(s); sw <= w {
		b.WriteString(s)
		for range w - sw {
			b.WriteByte(' ')
		}
		return
	}
	b.WriteString(Cell(s, w))
}

// Width is s's display width (ansi.StringWidth). Text of printable
// ASCII, Latin-1 and the few one-column symbols the views draw
// (sparklines, bars, arrows, ≠, …) is measured by counting runes: the
// general path segments graphemes, which made a table of 200 rows with
// sparklines cost milliseconds a frame.
func Width(s string) int {
	n := 0
	for _, r := range s {
		if !narrow(r) {
			return ansi.StringWidth(s)
		}
		n++
	}
	return n
}

// narrow reports a rune that is one column wide on its own (no escape,
// control, combining or wide character).
func narrow(r rune) bool {
	switch {
	case r >= 0x20 && r < 0x7f, r >= 0xa0 && r < 0x300:
		return true
	case r >= 0x2580 && r <= 0x25a0: // block elements: ▁..█, ░▒▓
		return true
	case r >= 0x2190 && r <= 0x2199: // arrows ← ↑ → ↓
		return true
	}
	return r == '▲' || r == '▼' || r == '≠' || r == '…' || r == '·'
}

// Row joins cells of the given widths with one space.
func Row(widths []int, cells ...string) string {
	var b strings.Builder
	n := len(cells)
	for i, c := range cells {
		if i < len(widths) {
			n += max(widths[i], len(c))
		} else {
			n += len(c)
		}
	}
	b.Grow(n)
	for i, c := range cells {
		if i > 0 {
			b.WriteByte(' ')
		}
		if i < len(widths) {
			cellTo(&b, c, widths[i])
		} else {
			b.WriteString(c)
		}
	}
	return strings.TrimRight(b.String(), " ")
}

// Clip cuts text to at most h lines of at most w columns.
func Clip(text string, w, h int) string {
	lines := strings.Split(text, "\n")
	if h >= 0 && len(lines) > h {
		lines = lines[:h]
	}
	for i, l := range lines {
		if Width(l) > w {
			lines[i] = ansi.Truncate(l, w, "")
		}
	}
	return strings.Join(lines, "\n")
}

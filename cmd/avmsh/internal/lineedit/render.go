package lineedit

import (
	"strconv"
	"strings"

	"github.com/rivo/uniseg"
)

// Rendering: the prompt and the buffer are written from the first
// column of a row; a '\n' in the buffer starts a new row with the
// continuation prompt, and rows wider than the terminal wrap. A redraw
// moves back to the first row, clears to the end of the screen and
// writes everything again, then puts the cursor in place. Every row
// break is written explicitly ("\r\n"), so that the layout does not
// depend on how the terminal handles its last column.

// visual is what the terminal shows for r, and its width in cells.
func visual(r rune) (string, int) {
	switch {
	case r == '\t':
		return "    ", 4
	case r < 0x20 || r == 0x7f:
		return "^" + string(r^0x40), 2
	case r < 0x7f:
		return string(r), 1
	}
	s := string(r)
	return s, uniseg.StringWidth(s)
}

// frame is one rendering: the text to write and where it leaves things.
type frame struct {
	text           strings.Builder
	row, col       int // where writing stopped
	curRow, curCol int // where the cursor belongs
}

// place writes one rune, wrapping first when it does not fit.
func (f *frame) place(r rune, width int, more string) {
	if r == '\n' {
		f.text.WriteString("\r\n")
		f.row, f.col = f.row+1, 0
		for _, m := range more {
			f.place(m, width, "")
		}
		return
	}
	s, w := visual(r)
	if f.col > 0 && f.col+w > width {
		f.text.WriteString("\r\n")
		f.row, f.col = f.row+1, 0
	}
	f.text.WriteString(s)
	f.col += w
}

// layout renders prompt and buf (continuation rows start with more)
// for a terminal width columns wide, with the cursor before buf[pos].
func layout(width int, prompt, more string, buf []rune, pos int) *frame {
	if width < 8 {
		width = 8
	}
	f := &frame{}
	for _, r := range prompt {
		f.place(r, width, "")
	}
	for i, r := range buf {
		if i == pos {
			f.markCursor(r, width)
		}
		f.place(r, width, more)
	}
	if f.col >= width { // a full last row: go to the next one
		f.text.WriteString("\r\n")
		f.row, f.col = f.row+1, 0
	}
	if pos >= len(buf) {
		f.curRow, f.curCol = f.row, f.col
	}
	return f
}

// markCursor records the cursor position in front of r (on the next row
// when r will wrap).
func (f *frame) markCursor(r rune, width int) {
	f.curRow, f.curCol = f.row, f.col
	if r == '\n' {
		if f.curCol >= width {
			f.curCol = width - 1
		}
		return
	}
	if _, w := visual(r); f.col > 0 && f.col+w > width {
		f.curRow, f.curCol = f.row+1, 0
	}
}

// moveTo returns the escape codes that move the cursor from the end of
// the frame to its cursor position.
func (f *frame) moveTo() string {
	var b strings.Builder
	if up := f.row - f.curRow; up > 0 {
		b.WriteString(csi(up, 'A'))
	}
	if f.col != f.curCol || f.row != f.curRow {
		b.WriteByte('\r')
		if f.curCol > 0 {
			b.WriteString(csi(f.curCol, 'C'))
		}
	}
	return b.String()
}

// csi is ESC [ n c.
func csi(n int, c byte) string { return "\x1b[" + strconv.Itoa(n) + string(c) }

// erase returns the codes that clear a frame on screen whose cursor is on
// row curRow and whose last row is lastRow, leaving the cursor at its
// first column. Rows are cleared one by one (EL 2) rather than with
// "clear to the end of the screen" (ED), which tmux treats as clearing
// the whole screen when the cursor is home, pushing the screen into the
// scrollback on every keystroke.
func erase(curRow, lastRow int) string {
	var b strings.Builder
	b.WriteByte('\r')
	if curRow > 0 {
		b.WriteString(csi(curRow, 'A'))
	}
	for r := 0; r <= lastRow; r++ {
		b.WriteString("\x1b[2K")
		if r < lastRow {
			b.WriteString("\x1b[B")
		}
	}
	if lastRow > 0 {
		b.WriteString(csi(lastRow, 'A'))
	}
	return b.String()
}

// crlf turns "\n" into "\r\n" for a terminal in raw mode (no output
// processing); "\r\n" already there stays as it is.
func crlf(s string) string {
	if !strings.Contains(s, "\n") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' && (i == 0 || s[i-1] != '\r') {
			b.WriteByte('\r')
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

package lineedit

import (
	"strconv"
	"strings"
	"sync"

	"github.com/rivo/uniseg"
)

// vt is a minimal terminal for the tests: it interprets what the editor
// writes (text with auto-wrap and deferred wrap at the last column, CR,
// LF, ESC[nA, ESC[nC, ESC[J, ESC[H, ESC[2J; other sequences ignored)
// into a grid of rows that grows downwards instead of scrolling.
type vt struct {
	mu    sync.Mutex
	width int
	rows  [][]rune
	r, c  int
	raw   strings.Builder
}

func newVT(width int) *vt { return &vt{width: width} }

func (v *vt) Write(b []byte) (int, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.raw.Write(b)
	s := []rune(string(b))
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case ch == '\r':
			v.c = 0
		case ch == '\n':
			v.r++
		case ch == 0x1b && i+1 < len(s) && s[i+1] == '[':
			j := i + 2
			for j < len(s) && (s[j] >= '0' && s[j] <= '9' || s[j] == ';' || s[j] == '?') {
				j++
			}
			if j >= len(s) {
				return len(b), nil
			}
			v.csi(string(s[i+2:j]), s[j])
			i = j
		case ch < 0x20:
		default:
			w := uniseg.StringWidth(string(ch))
			if v.c+w > v.width {
				v.r, v.c = v.r+1, 0
			}
			v.put(ch)
			for k := 1; k < w; k++ {
				v.c++
				v.put(0)
			}
			v.c++
		}
	}
	return len(b), nil
}

func (v *vt) row(r int) []rune {
	for len(v.rows) <= r {
		v.rows = append(v.rows, nil)
	}
	return v.rows[r]
}

func (v *vt) put(ch rune) {
	row := v.row(v.r)
	for len(row) <= v.c {
		row = append(row, ' ')
	}
	row[v.c] = ch
	v.rows[v.r] = row
}

func (v *vt) csi(params string, final rune) {
	n, err := strconv.Atoi(params)
	if err != nil || n < 1 {
		n = 1
	}
	switch final {
	case 'A':
		v.r = max(0, v.r-n)
	case 'B':
		v.r += n
	case 'C':
		v.c = min(v.width-1, v.c+n)
	case 'K':
		if params == "2" {
			v.row(v.r)
			v.rows[v.r] = nil
		}
	case 'J':
		if params == "2" {
			v.rows, v.r, v.c = nil, 0, 0
			return
		}
		row := v.row(v.r)
		if v.c < len(row) {
			v.rows[v.r] = row[:v.c]
		}
		if v.r+1 < len(v.rows) {
			v.rows = v.rows[:v.r+1]
		}
	case 'H':
		v.r, v.c = 0, 0
	}
}

// screen is the grid's text, trailing spaces and empty rows removed.
func (v *vt) screen() string {
	v.mu.Lock()
	defer v.mu.Unlock()
	var lines []string
	for _, row := range v.rows {
		var b strings.Builder
		for _, ch := range row {
			if ch != 0 {
				b.WriteRune(ch)
			}
		}
		lines = append(lines, strings.TrimRight(b.String(), " "))
	}
	return strings.TrimRight(strings.Join(lines, "\n"), "\n")
}

// cursor is the cursor's position.
func (v *vt) cursor() (int, int) {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.r, v.c
}

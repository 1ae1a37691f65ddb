package lineedit

import (
	"io"
	"strings"
	"unicode"

	"github.com/avmsh/avmsh/vm/erl/scan"
)

// state is one read on screen: the buffer (which may hold several rows
// separated by '\n'), the cursor, the history position and the
// incremental search, if any.
type state struct {
	prompt, more string
	multi        bool // a command (history, several rows) rather than a line
	buf          []rune
	pos          int
	hist         int    // the history entry shown; len(entries): the draft
	draft        []rune // what was typed before moving into history
	kill         []rune // the last killed text (Ctrl-Y yanks it)
	search       *search
	drawn        bool // the frame is on screen
	curRow       int  // the cursor's row in the frame on screen
	lastRow      int  // the frame's last row
}

// render draws st (called with e.mu held).
func (e *Editor) render(st *state) {
	var out string
	if st.drawn {
		out = erase(st.curRow, st.lastRow)
	}
	st.drawn = false
	_, _ = io.WriteString(e.cfg.Out, out+e.frameText(st))
}

// frameText lays st out and returns the text that draws it from the
// first column; st is marked as drawn.
func (e *Editor) frameText(st *state) string {
	prompt, more, buf, pos := st.prompt, st.more, st.buf, st.pos
	if st.search != nil {
		prompt, buf, pos = st.search.view(st, e.hist.Entries())
		more = ""
	}
	f := layout(e.width(), prompt, more, buf, pos)
	st.drawn, st.curRow, st.lastRow = true, f.curRow, f.row
	return "\x1b[?25l" + f.text.String() + f.moveTo() + "\x1b[?25h"
}

// finish leaves the frame: the cursor goes after its end, then suffix
// is written (called with e.mu held).
func (e *Editor) finish(st *state, suffix string) {
	st.search = nil
	st.pos = len(st.buf)
	e.render(st)
	_, _ = io.WriteString(e.cfg.Out, suffix)
	st.drawn = false
}

// handle acts on one key; done reports that the read ends with line
// and err.
func (e *Editor) handle(st *state, k Key) (line string, done bool, err error) {
	if st.search != nil {
		if !e.handleSearch(st, k) {
			return "", false, nil
		}
		// The key ended the search; it acts as usual below.
	}
	if k.Code == tab && !k.Alt {
		e.complete(st)
		return "", false, nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	switch {
	case k.Alt:
		e.altKey(st, k.Code)
	case k.Code == ctrlM || k.Code == ctrlJ:
		return e.enter(st)
	case k.Code == ctrlC:
		e.finish(st, "^C\r\n")
		if !st.multi {
			return "", true, ErrInterrupt
		}
		st.buf, st.pos, st.hist = nil, 0, len(e.hist.Entries())
	case k.Code == ctrlG && st.multi:
		// Erlang's Ctrl-G: the shell runs its job-control menu; the
		// command being typed comes back at the next read.
		e.draft = append([]rune(nil), st.buf...)
		e.finish(st, "\r\n")
		return "", true, ErrJobControl
	case k.Code == ctrlD:
		if len(st.buf) == 0 {
			e.finish(st, "\r\n")
			return "", true, io.EOF
		}
		st.deleteAt(st.pos)
	case k.Code == backspace || k.Code == ctrlH:
		if st.pos > 0 {
			st.pos--
			st.deleteAt(st.pos)
		}
	case k.Code == KeyDelete:
		st.deleteAt(st.pos)
	case k.Code == KeyLeft || k.Code == ctrlB:
		if st.pos > 0 {
			st.pos--
		}
	case k.Code == KeyRight || k.Code == ctrlF:
		if st.pos < len(st.buf) {
			st.pos++
		}
	case k.Code == KeyHome || k.Code == ctrlA:
		st.pos = st.rowStart(st.pos)
	case k.Code == KeyEnd || k.Code == ctrlE:
		st.pos = st.rowEnd(st.pos)
	case k.Code == KeyWordLeft:
		st.pos = st.wordLeft()
	case k.Code == KeyWordRight:
		st.pos = st.wordRight()
	case k.Code == KeyUp || k.Code == ctrlP:
		if !st.rowUp() && st.multi {
			st.historyMove(e.hist.Entries(), -1)
		}
	case k.Code == KeyDown || k.Code == ctrlN:
		if !st.rowDown() && st.multi {
			st.historyMove(e.hist.Entries(), +1)
		}
	case k.Code == ctrlK:
		end := st.rowEnd(st.pos)
		if end == st.pos && end < len(st.buf) {
			end++ // at a row's end: join the next row
		}
		st.cut(st.pos, end)
	case k.Code == ctrlU:
		st.cut(st.rowStart(st.pos), st.pos)
	case k.Code == ctrlW:
		i := st.pos
		for i > 0 && unicode.IsSpace(st.buf[i-1]) {
			i--
		}
		for i > 0 && !unicode.IsSpace(st.buf[i-1]) {
			i--
		}
		st.cut(i, st.pos)
	case k.Code == 0x19: // Ctrl-Y
		st.insert(st.kill...)
	case k.Code == ctrlT:
		if st.pos > 0 && len(st.buf) > 1 {
			i := st.pos
			if i == len(st.buf) {
				i--
			}
			st.buf[i-1], st.buf[i] = st.buf[i], st.buf[i-1]
			st.pos = i + 1
		}
	case k.Code == ctrlL:
		st.drawn = false
		_, _ = io.WriteString(e.cfg.Out, "\x1b[H\x1b[2J")
	case k.Code == ctrlR:
		if st.multi {
			st.search = &search{match: -1, savedBuf: append([]rune(nil), st.buf...), savedPos: st.pos}
		}
	case k.Code >= 0x20 && k.Code != backspace:
		st.insert(k.Code)
	default: // other control keys, unknown sequences, Esc
		return "", false, nil
	}
	e.render(st)
	return "", false, nil
}

// altKey handles Alt (Meta) + key: word motion and deletion, and
// Alt-Enter (a new row without running the command).
func (e *Editor) altKey(st *state, c rune) {
	switch c {
	case 'b', 'B':
		st.pos = st.wordLeft()
	case 'f', 'F':
		st.pos = st.wordRight()
	case 'd', 'D':
		st.cut(st.pos, st.wordRight())
	case backspace, ctrlH:
		st.cut(st.wordLeft(), st.pos)
	case ctrlM, ctrlJ:
		if st.multi {
			st.insert('\n')
		}
	}
}

// enter ends the read when the buffer holds a complete command (or is a
// line), else starts a new row (called with e.mu held).
func (e *Editor) enter(st *state) (string, bool, error) {
	text := string(st.buf)
	if !st.multi {
		e.finish(st, "\r\n")
		return text + "\n", true, nil
	}
	t := strings.TrimSpace(text)
	switch {
	case t == "":
		// Like erl: a fresh prompt on the next row.
		e.finish(st, "\r\n")
		st.buf, st.pos, st.hist = nil, 0, len(e.hist.Entries())
		e.render(st)
		return "", false, nil
	case strings.HasPrefix(t, ":") || scan.Complete(text):
		e.finish(st, "\r\n")
		if err := e.hist.Add(text); err != nil && e.histErr == nil {
			e.histErr = err
		}
		return text + "\n", true, nil
	}
	st.insert('\n')
	e.render(st)
	return "", false, nil
}

func (st *state) insert(rs ...rune) {
	nb := make([]rune, 0, len(st.buf)+len(rs))
	nb = append(append(append(nb, st.buf[:st.pos]...), rs...), st.buf[st.pos:]...)
	st.buf = nb
	st.pos += len(rs)
}

func (st *state) deleteAt(i int) {
	if i >= 0 && i < len(st.buf) {
		st.buf = append(st.buf[:i], st.buf[i+1:]...)
	}
}

// cut removes buf[from:to] into the kill buffer; the cursor goes to from.
func (st *state) cut(from, to int) {
	if from >= to {
		return
	}
	st.kill = append([]rune(nil), st.buf[from:to]...)
	st.buf = append(st.buf[:from], st.buf[to:]...)
	st.pos = from
}

// rowStart and rowEnd bound the row (between '\n's) that holds i.
func (st *state) rowStart(i int) int {
	for i > 0 && st.buf[i-1] != '\n' {
		i--
	}
	return i
}

func (st *state) rowEnd(i int) int {
	for i < len(st.buf) && st.buf[i] != '\n' {
		i++
	}
	return i
}

// rowUp moves the cursor to the previous row of the buffer, at the same
// offset where it can; false on the first row.
func (st *state) rowUp() bool {
	start := st.rowStart(st.pos)
	if start == 0 {
		return false
	}
	off := st.pos - start
	prev := st.rowStart(start - 1)
	st.pos = min(prev+off, start-1)
	return true
}

// rowDown moves the cursor to the next row; false on the last row.
func (st *state) rowDown() bool {
	end := st.rowEnd(st.pos)
	if end == len(st.buf) {
		return false
	}
	off := st.pos - st.rowStart(st.pos)
	next := end + 1
	st.pos = min(next+off, st.rowEnd(next))
	return true
}

// historyMove shows the previous (d = -1) or next (d = +1) history
// entry; past the newest one comes back what was being typed.
func (st *state) historyMove(entries []string, d int) {
	i := st.hist + d
	if i < 0 || i > len(entries) {
		return
	}
	if st.hist == len(entries) {
		st.draft = append([]rune(nil), st.buf...)
	}
	st.hist = i
	if i == len(entries) {
		st.buf = append([]rune(nil), st.draft...)
	} else {
		st.buf = []rune(entries[i])
	}
	st.pos = len(st.buf)
}

func isWordRune(r rune) bool { return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) }

func (st *state) wordLeft() int {
	i := st.pos
	for i > 0 && !isWordRune(st.buf[i-1]) {
		i--
	}
	for i > 0 && isWordRune(st.buf[i-1]) {
		i--
	}
	return i
}

func (st *state) wordRight() int {
	i := st.pos
	for i < len(st.buf) && !isWordRune(st.buf[i]) {
		i++
	}
	for i < len(st.buf) && isWordRune(st.buf[i]) {
		i++
	}
	return i
}

package lineedit

import (
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/avmsh/avmsh/node/shellsession"
	"github.com/rivo/uniseg"
)

// maxListed bounds the candidates listed under the prompt.
const maxListed = 200

// Candidate is one completion: Text replaces the word being completed,
// Display (Text when empty) is how it is listed. Several candidates may
// share a Text (lists:seq( for seq/2 and seq/3).
type Candidate struct {
	Text, Display string
}

// complete handles Tab in a command: a single candidate is inserted,
// several insert their common prefix, and when that adds nothing they
// are listed under the command, which is drawn again below them. With
// nothing to complete (an empty word), or in a plain line, Tab inserts
// itself (pasted indentation).
func (e *Editor) complete(st *state) {
	var word string
	var cands []Candidate
	if e.cfg.Complete != nil && st.multi {
		// Called without e.mu: it may ask the target over the network.
		word, cands = e.cfg.Complete(string(st.buf[:st.pos]), st.pos)
	}
	texts, labels := filterCandidates(word, cands)
	e.mu.Lock()
	defer e.mu.Unlock()
	switch {
	case len(texts) == 0 && strings.TrimSpace(word) == "":
		st.insert('\t')
	case len(texts) == 0:
		return
	case len(texts) == 1:
		st.insert([]rune(texts[0][len(word):])...)
	default:
		if p := commonPrefix(texts); len(p) > len(word) {
			st.insert([]rune(p[len(word):])...)
			break
		}
		pos := st.pos
		e.finish(st, "\r\n")
		_, _ = io.WriteString(e.cfg.Out, crlf(columns(labels, e.width())))
		st.pos = pos
	}
	e.render(st)
}

// filterCandidates keeps the candidates that extend word: their
// distinct texts and their distinct labels, sorted.
func filterCandidates(word string, cands []Candidate) (texts, labels []string) {
	seenT, seenL := map[string]bool{}, map[string]bool{}
	for _, c := range cands {
		if !strings.HasPrefix(c.Text, word) || len(c.Text) <= len(word) {
			continue
		}
		if !seenT[c.Text] {
			seenT[c.Text] = true
			texts = append(texts, c.Text)
		}
		l := c.Display
		if l == "" {
			l = c.Text
		}
		if !seenL[l] {
			seenL[l] = true
			labels = append(labels, l)
		}
	}
	slices.Sort(texts)
	slices.Sort(labels)
	return texts, labels
}

// commonPrefix is the longest prefix (whole characters) of all cands.
func commonPrefix(cands []string) string {
	p := []rune(cands[0])
	for _, c := range cands[1:] {
		r := []rune(c)
		n := 0
		for n < len(p) && n < len(r) && p[n] == r[n] {
			n++
		}
		p = p[:n]
	}
	return string(p)
}

// columns lays candidates out in columns across width, sorted down the
// columns like ls.
func columns(cands []string, width int) string {
	more := 0
	if len(cands) > maxListed {
		more = len(cands) - maxListed
		cands = cands[:maxListed]
	}
	colw := 0
	for _, c := range cands {
		colw = max(colw, uniseg.StringWidth(c)+2)
	}
	ncol := max(1, width/max(colw, 1))
	nrow := (len(cands) + ncol - 1) / ncol
	var b strings.Builder
	for r := range nrow {
		for c := range ncol {
			i := c*nrow + r
			if i >= len(cands) {
				break
			}
			b.WriteString(cands[i])
			if c < ncol-1 && (c+1)*nrow+r < len(cands) {
				b.WriteString(strings.Repeat(" ", colw-uniseg.StringWidth(cands[i])))
			}
		}
		b.WriteByte('\n')
	}
	if more > 0 {
		b.WriteString("... and " + strconv.Itoa(more) + " more\n")
	}
	return b.String()
}

// search is an incremental search backwards through history (Ctrl-R).
type search struct {
	query    []rune
	match    int // the entry shown; -1: none yet
	failed   bool
	savedBuf []rune
	savedPos int
}

// view is what the search shows: its prompt and the matching entry, the
// cursor on the match.
func (s *search) view(st *state, entries []string) (string, []rune, int) {
	p := "(reverse-i-search)`" + string(s.query) + "': "
	if s.failed {
		p = "(failed reverse-i-search)`" + string(s.query) + "': "
	}
	if s.match < 0 || s.match >= len(entries) {
		return p, s.savedBuf, s.savedPos
	}
	buf := []rune(entries[s.match])
	pos := len(buf)
	if i := strings.Index(entries[s.match], string(s.query)); i >= 0 && len(s.query) > 0 {
		pos = len([]rune(entries[s.match][:i]))
	}
	return p, buf, pos
}

// find looks for the query in entries older than from.
func (s *search) find(entries []string, from int) {
	if i := shellsession.SearchEntries(entries, string(s.query), from); i >= 0 {
		s.match, s.failed = i, false
		return
	}
	s.failed = true
}

// handleSearch acts on a key during a search; true means the key ended
// the search (the match becomes the buffer) and must act as usual.
func (e *Editor) handleSearch(st *state, k Key) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	s := st.search
	entries := e.hist.Entries()
	n := len(entries)
	switch {
	case k.Code == ctrlR && !k.Alt:
		from := n
		if s.match >= 0 {
			from = s.match
		}
		s.find(entries, from)
	case (k.Code == backspace || k.Code == ctrlH) && !k.Alt:
		if len(s.query) > 0 {
			s.query = s.query[:len(s.query)-1]
			s.match = -1
			s.find(entries, n)
		}
	case k.Code == ctrlG || k.Code == KeyEsc || k.Code == ctrlC:
		st.buf, st.pos, st.search = s.savedBuf, s.savedPos, nil
	case k.Code >= 0x20 && k.Code != backspace && !k.Alt:
		s.query = append(s.query, k.Code)
		from := n
		if s.match >= 0 {
			from = s.match + 1 // the shown entry may still match
		}
		s.find(entries, from)
	default:
		if s.match >= 0 && s.match < n {
			st.buf = []rune(entries[s.match])
			st.pos, st.hist = len(st.buf), s.match
		}
		st.search = nil
		e.render(st)
		return true
	}
	e.render(st)
	return false
}

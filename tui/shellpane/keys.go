package shellpane

import (
	"context"
	"strings"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/avmsh/avmsh/node/shellsession"
	"github.com/avmsh/avmsh/vm/erl/scan"
	"github.com/avmsh/avmsh/vm/term"
)

func (m Model) key(msg tea.KeyMsg) (Model, tea.Cmd) {
	if m.search != nil {
		return m.searchKey(msg), nil
	}
	switch msg.String() {
	case "ctrl+c":
		return m.interrupt()
	case "ctrl+g":
		return m.openMenu(), nil
	case "ctrl+r":
		if r, _, ok := m.request(); ok && r.Command && !m.menu {
			m.search = &search{match: -1, saved: m.in.Value()}
		}
		return m, nil
	case "tab":
		return m.complete()
	case "up":
		return m.historyMove(+1), nil
	case "down":
		return m.historyMove(-1), nil
	case "enter":
		return m.enter()
	}
	var cmd tea.Cmd
	m.in, cmd = m.in.Update(msg)
	return m, cmd
}

// interrupt is Ctrl-C: it clears the line being typed at a prompt; at
// an io:get_line prompt it interrupts the evaluation that asked, and
// otherwise the evaluation in progress (OTP's shell kills its
// evaluator; avmsh's evaluator kills the remote erpc process).
func (m Model) interrupt() (Model, tea.Cmd) {
	r, key, asked := m.request()
	if m.menu || (asked && r.Command) {
		m.in.SetValue("")
		m.pending = ""
		return m, nil
	}
	if asked {
		r.answer("", shellsession.ErrInterrupted)
		delete(m.reqs, key)
		return m, nil
	}
	if st := m.shells[m.node]; st != nil && st.shell != nil {
		_ = st.shell.Interrupt()
	}
	return m, nil
}

// openMenu is Ctrl-G: erl's job-control menu, from the session.
func (m Model) openMenu() Model {
	if m.session() == nil || m.menu {
		return m
	}
	m.menu = true
	m.in.SetValue("")
	m.add(strings.TrimRight(shellsession.JobBanner, "\n"))
	return m
}

// menuLine runs a line typed in the Ctrl-G menu.
func (m Model) menuLine(line string) Model {
	m.add(shellsession.JobPrompt + line)
	ss := m.session()
	if ss == nil {
		m.menu = false
		return m
	}
	out, act := ss.JobCommand(line)
	if out != "" {
		m.add(out)
	}
	switch act {
	case shellsession.JobResume:
		m.menu = false
	case shellsession.JobLeave:
		m.menu = false
		if st := m.shells[m.node]; st != nil && st.shell != nil {
			st.shell.Stop()
		}
	}
	return m
}

func (m Model) enter() (Model, tea.Cmd) {
	if m.node == "" {
		return m, nil
	}
	line := m.in.Value()
	if m.menu {
		m.in.SetValue("")
		return m.menuLine(line), nil
	}
	st := m.shells[m.node]
	if st == nil { // not started (or ended): start it, keep the line
		return m, m.Activate()
	}
	r, key, asked := m.request()
	if !asked {
		return m, nil // evaluating: the line waits
	}
	m.in.SetValue("")
	m.hpos, m.draft = -1, ""
	m.add(m.prompt() + line)
	if !r.Command {
		delete(m.reqs, key)
		r.answer(line+"\n", nil)
		return m, nil
	}
	src := m.pending + line + "\n"
	meta := m.pending == "" && strings.HasPrefix(strings.TrimSpace(line), ":")
	if !meta && !scan.Complete(src) {
		m.pending = src
		return m, nil
	}
	m.pending = ""
	if strings.TrimSpace(src) != "" {
		_ = m.term.History().Add(strings.TrimRight(src, "\n"))
	}
	delete(m.reqs, key)
	r.answer(src, nil)
	return m, nil
}

// historyMove walks the shared history (d > 0: older).
func (m Model) historyMove(d int) Model {
	entries := m.term.History().Entries()
	if len(entries) == 0 {
		return m
	}
	if m.hpos == -1 {
		if d < 0 {
			return m
		}
		m.draft = m.in.Value()
	}
	i := m.hpos + d
	switch {
	case i < 0:
		m.hpos = -1
		m.in.SetValue(m.draft)
	case i < len(entries):
		m.hpos = i
		m.in.SetValue(flatten(entries[len(entries)-1-i]))
	default:
		return m
	}
	m.in.CursorEnd()
	return m
}

// flatten puts a multi-line history entry on the one input line.
func flatten(s string) string { return strings.ReplaceAll(s, "\n", " ") }

// completionMsg carries Tab's candidates from the session.
type completionMsg struct {
	node   term.Atom
	seq    int
	before string
	word   string
	cands  []shellsession.Candidate
}

// complete is Tab: the session's candidates for the text before the
// cursor, asked off the update loop (they may need the target).
func (m Model) complete() (Model, tea.Cmd) {
	r, _, asked := m.request()
	ss := m.session()
	if !asked || !r.Command || ss == nil || m.menu {
		return m, nil
	}
	m.compSeq++
	seq, node := m.compSeq, m.node
	before := m.pending + string([]rune(m.in.Value())[:m.in.Position()])
	return m, func() tea.Msg {
		word, cands := ss.Complete(context.Background(), before)
		return completionMsg{node: node, seq: seq, before: before, word: word, cands: cands}
	}
}

// completed applies candidates if the line did not change meanwhile:
// one is inserted, several insert their common prefix, or are listed.
func (m Model) completed(msg completionMsg) Model {
	if msg.seq != m.compSeq || msg.node != m.node || m.pending+string([]rune(m.in.Value())[:m.in.Position()]) != msg.before {
		return m
	}
	var texts, labels []string
	seen := map[string]bool{}
	for _, c := range msg.cands {
		if !strings.HasPrefix(c.Text, msg.word) || len(c.Text) <= len(msg.word) {
			continue
		}
		if !seen[c.Text] {
			seen[c.Text] = true
			texts = append(texts, c.Text)
		}
		l := c.Display
		if l == "" {
			l = c.Text
		}
		if !seen["\x00"+l] {
			seen["\x00"+l] = true
			labels = append(labels, l)
		}
	}
	switch {
	case len(texts) == 0:
		return m
	case len(texts) == 1:
		return m.insert(texts[0][len(msg.word):])
	}
	if p := commonPrefix(texts); len(p) > len(msg.word) {
		return m.insert(p[len(msg.word):])
	}
	m.add(m.prompt() + m.in.Value())
	m.add(columns(labels))
	return m
}

func (m Model) insert(s string) Model {
	v := []rune(m.in.Value())
	pos := m.in.Position()
	m.in.SetValue(string(v[:pos]) + s + string(v[pos:]))
	m.in.SetCursor(pos + len([]rune(s)))
	return m
}

func commonPrefix(ss []string) string {
	p := ss[0]
	for _, s := range ss[1:] {
		for !strings.HasPrefix(s, p) {
			p = p[:len(p)-1]
		}
	}
	return p
}

// columns lists candidates on lines of at most 100 characters.
func columns(labels []string) string {
	var b, line strings.Builder
	for _, l := range labels {
		if line.Len() > 0 && line.Len()+len(l)+2 > 100 {
			b.WriteString(line.String() + "\n")
			line.Reset()
		}
		if line.Len() > 0 {
			line.WriteString("  ")
		}
		line.WriteString(l)
	}
	b.WriteString(line.String())
	return b.String()
}

// search is Ctrl-R: an incremental search backwards through history.
type search struct {
	query  string
	match  int // index in the entries; -1: none yet
	failed bool
	saved  string
}

func (s *search) view(entries []string) string {
	p := "(reverse-i-search)`" + s.query + "': "
	if s.failed {
		p = "(failed reverse-i-search)`" + s.query + "': "
	}
	if s.match >= 0 && s.match < len(entries) {
		return p + flatten(entries[s.match])
	}
	return p + s.saved
}

func (s *search) find(entries []string, from int) {
	if i := shellsession.SearchEntries(entries, s.query, from); i >= 0 {
		s.match, s.failed = i, false
		return
	}
	s.failed = true
}

// searchKey handles a key during Ctrl-R: typing refines, Ctrl-R finds
// an older match, Enter takes the match, Esc/Ctrl-G/Ctrl-C give up.
func (m Model) searchKey(msg tea.KeyMsg) Model {
	s := *m.search
	entries := m.term.History().Entries()
	switch msg.String() {
	case "ctrl+r":
		from := len(entries)
		if s.match >= 0 {
			from = s.match
		}
		s.find(entries, from)
	case "backspace":
		if s.query != "" {
			s.query = s.query[:len(s.query)-1]
			s.match = -1
			s.find(entries, len(entries))
		}
	case "esc", "ctrl+g", "ctrl+c":
		m.search = nil
		m.in.SetValue(s.saved)
		return m
	case "enter", "right", "left", "up", "down", "tab":
		m.search = nil
		if s.match >= 0 && s.match < len(entries) {
			m.in.SetValue(flatten(entries[s.match]))
			m.in.CursorEnd()
		}
		return m
	default:
		if msg.Type == tea.KeyRunes || msg.Type == tea.KeySpace {
			from := len(entries)
			if s.match >= 0 {
				from = s.match + 1
			}
			s.query += msg.String()
			s.find(entries, from)
		}
	}
	m.search = &s
	return m
}

package nodeview

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/avmsh/avmsh/node/codeload"
	"github.com/avmsh/avmsh/tui/pathprompt"
	"github.com/avmsh/avmsh/tui/source"
	"github.com/avmsh/avmsh/tui/theme"
	"github.com/avmsh/avmsh/tui/view"
	"github.com/avmsh/avmsh/vm/term"
)

// Loading code: `:load FILE...` and `l` in the module list load through
// Source.Code (node/codeload, as `avmsh load`); the results, one per
// module, stay on screen until closed.

// loadTimeout bounds one load (a slow serial link, many modules).
const loadTimeout = 2 * time.Minute

// LoadMsg carries the outcome of a load.
type LoadMsg struct {
	Node    term.Atom
	Paths   []string
	Results []codeload.Result
	// Err is set when nothing was sent (a file is not a loadable
	// module).
	Err error
}

// report is the load results overlay.
type report struct {
	LoadMsg
	top int // first line shown
}

// loadCommand is ":load [--purge] FILE|DIR...".
func (m *Model) loadCommand(args string) tea.Cmd {
	fields := strings.Fields(args)
	var o source.LoadOptions
	if len(fields) > 0 && fields[0] == "--purge" {
		o.Purge, fields = true, fields[1:]
	}
	switch {
	case len(fields) == 0:
		return view.Status("usage: load [--purge] FILE.beam|DIR...")
	case m.node == "":
		return view.Status("load: no node selected: open one in the Cluster view (enter) or with :node NODE")
	}
	for i, f := range fields {
		fields[i] = pathprompt.Expand(f, pathprompt.OS{})
	}
	return tea.Sequence(view.Show(m.Title()), m.load(fields, o)) // showing the view clears the status: first
}

// load loads paths into the node shown.
func (m *Model) load(paths []string, o source.LoadOptions) tea.Cmd {
	src, n := m.src, m.node
	what := fmt.Sprintf("%d files", len(paths))
	if len(paths) == 1 {
		what = paths[0]
	}
	// In sequence: the "loading" note must not come after the results.
	return tea.Sequence(view.Status(fmt.Sprintf("loading %s into %s…", what, n)), func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), loadTimeout)
		defer cancel()
		res, err := src.Load(ctx, n, paths, o)
		return LoadMsg{Node: n, Paths: paths, Results: res, Err: err}
	})
}

// loaded shows a load's results and remembers the path of each module.
// Closing the results polls again (the module list shows the new code).
func (m *Model) loaded(msg LoadMsg) tea.Cmd {
	m.report = &report{LoadMsg: msg}
	for _, r := range msg.Results {
		if r.Path != "" && r.Module != "" {
			m.paths[r.Module] = r.Path
		}
	}
	return view.Status(loadSummary(msg))
}

// loadSummary is the status line after a load.
func loadSummary(msg LoadMsg) string {
	if msg.Err != nil {
		return fmt.Sprintf("nothing was loaded into %s (see the results: esc closes)", msg.Node)
	}
	count := map[codeload.Status]int{}
	for _, r := range msg.Results {
		count[r.Status]++
	}
	s := fmt.Sprintf("loaded %d of %d modules into %s", count[codeload.Loaded], len(msg.Results), msg.Node)
	if n := count[codeload.Refused]; n > 0 {
		s += fmt.Sprintf(", %d refused", n)
	}
	if n := count[codeload.Unreachable]; n > 0 {
		s += fmt.Sprintf(", %d unreachable", n)
	}
	return s + " (esc closes the results)"
}

// reportKey closes (and polls again) or scrolls the results.
func (m *Model) reportKey(msg tea.KeyMsg) tea.Cmd {
	if key.Matches(msg, m.keys.close) {
		m.report = nil
		return view.Refresh()
	}
	switch msg.String() {
	case "up", "k":
		m.report.top--
	case "down", "j":
		m.report.top++
	case "pgup":
		m.report.top -= 10
	case "pgdown":
		m.report.top += 10
	}
	m.report.top = max(m.report.top, 0)
	return nil
}

// reportView renders the results in height lines.
func (m *Model) reportView(width, height int) string {
	r := m.report
	lines := []string{m.th.Header.Render("load into "+string(r.Node)) + m.th.Dim.Render("  (esc: back, ↑/↓ scroll)")}
	// wrap adds text cut to the width, its first line after prefix,
	// the others indented as far.
	wrap := func(prefix, text string, st func(...string) string) {
		indent := strings.Repeat(" ", ansi.StringWidth(prefix))
		for i, l := range strings.Split(ansi.Wrap(text, max(width-len(indent), 10), ""), "\n") {
			if i > 0 {
				prefix = indent
			}
			lines = append(lines, st(prefix+l))
		}
	}
	plain := func(s ...string) string { return strings.Join(s, " ") }
	if r.Err != nil {
		wrap("  ", r.Err.Error(), m.th.Bad.Render)
	}
	for _, res := range r.Results {
		st := m.th.Good.Render
		switch res.Status {
		case codeload.Refused:
			st = m.th.Bad.Render
		case codeload.Unreachable:
			st = m.th.Warn.Render
		}
		lines = append(lines, st(theme.Cell(res.Summary(), width)))
		if res.Err != nil && res.Status != codeload.Loaded {
			wrap("    ", res.Err.Error(), plain)
		}
		for _, n := range res.Notes {
			wrap("    note: ", n, m.th.Dim.Render)
		}
	}
	r.top = min(r.top, max(len(lines)-height, 0))
	return theme.Clip(strings.Join(lines[r.top:], "\n"), width, height)
}

package nodeview

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/avmsh/avmsh/tui/pathprompt"
	"github.com/avmsh/avmsh/tui/source"
	"github.com/avmsh/avmsh/tui/theme"
)

// The module list: what code:all_loaded/0 answers, sorted by name,
// filterable; l reloads the selected module from a path.

func (m *Model) visibleModules() []source.Module {
	if m.filter == "" {
		return m.mods.Modules
	}
	var out []source.Module
	for _, md := range m.mods.Modules {
		if strings.Contains(md.Name, m.filter) || strings.Contains(md.File, m.filter) {
			out = append(out, md)
		}
	}
	return out
}

// SelectedModule is the module under the cursor.
func (m *Model) SelectedModule() (source.Module, bool) {
	v := m.visibleModules()
	if m.modCur.Pos < len(v) {
		return v[m.modCur.Pos], true
	}
	return source.Module{}, false
}

// moduleKey handles a key of the module list.
func (m *Model) moduleKey(msg tea.KeyMsg) tea.Cmd {
	if m.modCur.Move(msg, len(m.visibleModules()), 10) {
		return nil
	}
	if key.Matches(msg, m.keys.reload) {
		if md, ok := m.SelectedModule(); ok {
			m.reload = md.Name
			p := pathprompt.New("reload "+md.Name+" from: ", m.reloadPath(md), nil, isBeam)
			m.prompt = &p
		}
	}
	return nil
}

// reloadPath is what the reload prompt starts with: the path the module
// was last loaded from in this session, else the file the node loaded
// it from when that is a .beam file (a node on this machine), else "".
func (m *Model) reloadPath(md source.Module) string {
	if p, ok := m.paths[md.Name]; ok {
		return p
	}
	if strings.HasSuffix(md.File, ".beam") {
		return md.File
	}
	return ""
}

func isBeam(name string) bool { return strings.HasSuffix(name, ".beam") }

// promptKey types into the reload prompt: enter loads, esc cancels.
func (m *Model) promptKey(msg tea.KeyMsg) tea.Cmd {
	switch msg.Type {
	case tea.KeyEsc:
		m.prompt = nil
		return nil
	case tea.KeyEnter:
		path, err := reloadFile(m.prompt.Value(), m.reload)
		if err != nil {
			m.prompt.Err = err.Error()
			return nil
		}
		m.prompt = nil
		return m.load([]string{path}, source.LoadOptions{})
	}
	return m.prompt.Update(msg)
}

// reloadFile is the file that reloads mod from path: path itself, named
// MOD.beam, or MOD.beam in the directory path.
func reloadFile(path, mod string) (string, error) {
	want := mod + ".beam"
	switch {
	case path == "":
		return "", fmt.Errorf("type the path of %s (tab completes)", want)
	case strings.HasSuffix(path, "/"):
		return filepath.Join(path, want), nil
	}
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return filepath.Join(path, want), nil
	}
	if filepath.Base(path) != want {
		return "", fmt.Errorf("%s is not %s: give the file of module %s or its directory", path, want, mod)
	}
	return path, nil
}

var modWidths = []int{30}

// moduleTable renders the module list in rows lines (header and footer
// included).
func (m *Model) moduleTable(b *strings.Builder, width, rows int) {
	if m.prompt != nil {
		m.prompt.SetWidth(width)
		p := m.prompt.View(m.th, width)
		b.WriteString(p + "\n")
		rows -= strings.Count(p, "\n") + 1
	}
	b.WriteString(m.th.Header.Render(theme.Cell(theme.Row(modWidths, "MODULE▲", "LOADED FROM"), width)) + "\n")
	v := m.visibleModules()
	rows -= 2
	start := m.modCur.Start(rows)
	for i := start; i < len(v) && i-start < rows; i++ {
		md := v[i]
		file := md.File
		if file == "" {
			file = "-"
		}
		if p, ok := m.paths[md.Name]; ok && p != md.File {
			file += "  (reload: " + p + ")"
		}
		line := theme.Cell(theme.Row(modWidths, md.Name, file), width)
		if i == m.modCur.Pos {
			line = m.th.Selected.Render(line)
		}
		b.WriteString(line + "\n")
	}
	count := fmt.Sprintf("%d modules", m.mods.Total)
	if n := len(m.mods.Modules); n < m.mods.Total {
		count = fmt.Sprintf("%d modules, the first %d by name listed", m.mods.Total, n)
	}
	b.WriteString(m.th.Dim.Render(fmt.Sprintf("%s (%d shown); l reloads the selected one", count, len(v))) + "\n")
}

package pathprompt

import (
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/charmbracelet/bubbles/cursor"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/avmsh/avmsh/tui/lineinput"
	"github.com/avmsh/avmsh/tui/theme"
)

// maxEntries bounds the directory entries read for one completion (a
// directory with a million files must not stall the dashboard).
const maxEntries = 10000

// FS is what completion reads; OS is the real file system.
type FS interface {
	// ReadDir lists a directory (at most n entries when n > 0).
	ReadDir(dir string, n int) ([]fs.DirEntry, error)
	// Home is the home directory, for "~/".
	Home() (string, error)
}

// OS is the operating system's file system.
type OS struct{}

// ReadDir implements FS.
func (OS) ReadDir(dir string, n int) ([]fs.DirEntry, error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return f.ReadDir(n)
}

// Home implements FS.
func (OS) Home() (string, error) { return os.UserHomeDir() }

// Model is the input. Give it keys through Update while it is open;
// Value is what was typed.
type Model struct {
	input lineinput.Model
	fsys  FS
	// match keeps the files a completion offers (directories are always
	// offered); nil offers every file.
	match func(name string) bool
	// candidates are the matches of the last ambiguous Tab.
	candidates []string
	more       int // matches not in candidates
	// Err is shown under the input (set by the caller: a path refused).
	Err string
}

// New returns a focused input showing prompt, holding value, completing
// from fsys (OS when nil) files for which match is true (every file
// when nil; directories always).
func New(prompt, value string, fsys FS, match func(name string) bool) Model {
	in := lineinput.New()
	in.Prompt = prompt
	in.Cursor.SetMode(cursor.CursorStatic)
	in.SetValue(value)
	in.CursorEnd()
	in.Focus()
	if fsys == nil {
		fsys = OS{}
	}
	return Model{input: in, fsys: fsys, match: match}
}

// SetWidth fits the input in width columns (a longer path scrolls
// sideways, the cursor in view).
func (m *Model) SetWidth(width int) {
	m.input.Width = max(width-ansi.StringWidth(m.input.Prompt)-1, 10)
}

// Value is the path typed, with "~/" expanded.
func (m Model) Value() string { return Expand(strings.TrimSpace(m.input.Value()), m.fsys) }

// Update handles a key: Tab completes, everything else edits.
func (m *Model) Update(msg tea.Msg) tea.Cmd {
	if k, ok := msg.(tea.KeyMsg); ok {
		m.Err = ""
		if k.Type == tea.KeyTab {
			v, cands, more := Complete(m.input.Value(), m.fsys, m.match)
			m.input.SetValue(v)
			m.input.CursorEnd()
			m.candidates, m.more = cands, more
			return nil
		}
		m.candidates, m.more = nil, 0
	}
	var cmd tea.Cmd
	m.input, cmd = m.input.Update(msg)
	return cmd
}

// View renders the input, then the candidates of an ambiguous Tab or
// the error, each cut to width.
func (m Model) View(th theme.Theme, width int) string {
	out := theme.Clip(m.input.View(), width, 1)
	switch {
	case m.Err != "":
		out += "\n" + th.Bad.Render(theme.Cell(m.Err, width))
	case len(m.candidates) > 0:
		line := strings.Join(m.candidates, "  ")
		if m.more > 0 {
			line += "  (+" + strconv.Itoa(m.more) + " more)"
		}
		out += "\n" + th.Dim.Render(theme.Cell(line, width))
	}
	return out
}

// Expand replaces a leading "~/" with the home directory.
func Expand(p string, fsys FS) string {
	if p == "~" || strings.HasPrefix(p, "~/") {
		if h, err := fsys.Home(); err == nil {
			return h + p[1:]
		}
	}
	return p
}

// Complete completes the last element of path from its directory: one
// match is completed whole (a directory with its "/"), several to their
// common prefix, and returned (sorted, at most 50: more says how many
// others). Names starting with "." are offered only when the element
// does. A path that cannot be completed comes back as it was.
func Complete(path string, fsys FS, match func(string) bool) (completed string, candidates []string, more int) {
	dir, prefix := "", path
	if i := strings.LastIndex(path, "/"); i >= 0 {
		dir, prefix = path[:i+1], path[i+1:]
	}
	readFrom := Expand(dir, fsys)
	if readFrom == "" {
		readFrom = "."
	}
	entries, err := fsys.ReadDir(filepath.Clean(readFrom), maxEntries)
	if err != nil && len(entries) == 0 {
		return path, nil, 0
	}
	var names []string
	for _, e := range entries {
		name := e.Name()
		if !strings.HasPrefix(name, prefix) || (strings.HasPrefix(name, ".") && !strings.HasPrefix(prefix, ".")) {
			continue
		}
		if isDir(e, readFrom, fsys) {
			names = append(names, name+"/")
		} else if match == nil || match(name) {
			names = append(names, name)
		}
	}
	switch len(names) {
	case 0:
		return path, nil, 0
	case 1:
		return dir + names[0], nil, 0
	}
	sort.Strings(names)
	common := names[0]
	for _, n := range names[1:] {
		common = commonPrefix(common, n)
	}
	if len(names) > 50 {
		more = len(names) - 50
		names = names[:50]
	}
	return dir + common, names, more
}

// isDir reports whether e is a directory, following a symbolic link.
func isDir(e fs.DirEntry, dir string, fsys FS) bool {
	if e.IsDir() {
		return true
	}
	if e.Type()&fs.ModeSymlink == 0 {
		return false
	}
	if _, ok := fsys.(OS); !ok {
		return false
	}
	st, err := os.Stat(filepath.Join(dir, e.Name()))
	return err == nil && st.IsDir()
}

// commonPrefix is the longest common prefix of a and b that does not
// cut a UTF-8 character.
func commonPrefix(a, b string) string {
	n := min(len(a), len(b))
	i := 0
	for i < n && a[i] == b[i] {
		i++
	}
	for i > 0 && i < len(a) && !utf8.RuneStart(a[i]) {
		i--
	}
	return a[:i]
}

package shellsession

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/avmsh/avmsh/internal/statefile"
)

// History file format: one entry per line, UTF-8; a command that spans
// several lines keeps them, written as the two characters `\n`, and a
// backslash is written `\\`. The file only grows by appending one line
// per command; it is rewritten with the newest entries when it holds
// more than twice the limit.

// maxHistoryRead bounds how much of the history file is read (its
// newest part): the file is user data and may be anything.
const maxHistoryRead = 1 << 20

// maxEntry bounds one history entry (longer commands are not saved).
const maxEntry = 64 << 10

// History is the shell's command history, oldest first, kept in a file
// both front-ends share (`avmsh shell` and the dashboard's pane): each
// command is one entry, multi-line commands included. It is safe for
// concurrent use.
type History struct {
	mu      sync.Mutex
	entries []string
	limit   int
	path    string
	// fileLines counts the lines in the file, to know when to
	// compact it.
	fileLines int
	// err is the first error met writing the file (the history goes
	// on in memory).
	err error
}

// DefaultHistoryLimit is how many commands a History keeps by default.
const DefaultHistoryLimit = 1000

// OpenHistory reads the history file at path ("" keeps history in
// memory only), keeping its newest limit entries (0: the default). A
// file that cannot be read is reported, and the history starts empty
// and is still saved.
func OpenHistory(path string, limit int) (*History, error) {
	if limit <= 0 {
		limit = DefaultHistoryLimit
	}
	h := &History{limit: limit, path: path}
	return h, h.load()
}

// Entries returns a copy of the entries, oldest first.
func (h *History) Entries() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.entries...)
}

// Add appends an entry (not a repeat of the newest one, nor an empty or
// longer than 64 KiB one) and saves it; an error saving it is returned
// (and remembered by Err) and the entry is kept in memory.
func (h *History) Add(e string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	err := h.add(e)
	if err != nil && h.err == nil {
		h.err = err
	}
	return err
}

// Err is the first error met saving the history.
func (h *History) Err() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.err
}

// Search finds the newest entry before index from (exclusive) that
// contains q; -1 when none does.
func (h *History) Search(q string, from int) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return SearchEntries(h.entries, q, from)
}

// DefaultHistoryFile is $XDG_STATE_HOME/avmsh/history, or
// ~/.local/state/avmsh/history; "" when neither can be made.
func DefaultHistoryFile(getenv func(string) string) string {
	dir, err := statefile.Dir(getenv, func() (string, error) {
		if h := getenv("HOME"); h != "" {
			return h, nil
		}
		return "", errors.New("HOME is not set")
	})
	if err != nil {
		return ""
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return ""
	}
	return filepath.Join(dir, "history")
}

// escapeEntry writes an entry as one line of the file.
func escapeEntry(s string) string {
	s = strings.ReplaceAll(s, `\`, `\\`)
	s = strings.ReplaceAll(s, "\r", "")
	return strings.ReplaceAll(s, "\n", `\n`)
}

// unescapeEntry reads one line of the file. Unknown escapes are kept
// as they are.
func unescapeEntry(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			switch s[i+1] {
			case 'n':
				b.WriteByte('\n')
				i++
				continue
			case '\\':
				b.WriteByte('\\')
				i++
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// parseHistory reads the entries of a history file's content, keeping
// the newest limit ones.
func parseHistory(data []byte, limit int) []string {
	var out []string
	for len(data) > 0 {
		line := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			data = nil
		}
		line = bytes.TrimRight(line, "\r")
		if len(line) == 0 || len(line) > 2*maxEntry {
			continue
		}
		e := unescapeEntry(string(line))
		if n := len(out); n > 0 && out[n-1] == e {
			continue
		}
		out = append(out, e)
	}
	if len(out) > limit {
		out = append([]string(nil), out[len(out)-limit:]...)
	}
	return out
}

// load reads the history file (its newest maxHistoryRead bytes). A
// missing file is an empty history.
func (h *History) load() error {
	if h.path == "" {
		return nil
	}
	f, err := os.Open(h.path)
	if err != nil {
		if os.IsNotExist(err) {
			return nil
		}
		return fmt.Errorf("read history %s: %w", h.path, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("read history %s: %w", h.path, err)
	}
	skip := st.Size() - maxHistoryRead
	if skip > 0 {
		if _, err := f.Seek(skip, io.SeekStart); err != nil {
			return fmt.Errorf("read history %s: %w", h.path, err)
		}
	}
	data, err := io.ReadAll(io.LimitReader(f, maxHistoryRead))
	if err != nil {
		return fmt.Errorf("read history %s: %w", h.path, err)
	}
	if skip > 0 { // the first line is probably cut: drop it
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			data = data[i+1:]
		}
	}
	h.fileLines = bytes.Count(data, []byte{'\n'})
	h.entries = parseHistory(data, h.limit)
	return nil
}

// add appends an entry and saves it (h.mu held).
func (h *History) add(e string) error {
	e = strings.TrimRight(e, "\n")
	if strings.TrimSpace(e) == "" || len(e) > maxEntry {
		return nil
	}
	if n := len(h.entries); n > 0 && h.entries[n-1] == e {
		return nil
	}
	h.entries = append(h.entries, e)
	if len(h.entries) > h.limit {
		h.entries = append([]string(nil), h.entries[len(h.entries)-h.limit:]...)
	}
	if h.path == "" {
		return nil
	}
	if h.fileLines >= 2*h.limit {
		return h.rewrite()
	}
	f, err := os.OpenFile(h.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("save history to %s: %w", h.path, err)
	}
	_, werr := f.WriteString(escapeEntry(e) + "\n")
	cerr := f.Close()
	if werr != nil || cerr != nil {
		return fmt.Errorf("save history to %s: %w", h.path, errors.Join(werr, cerr))
	}
	h.fileLines++
	return nil
}

// rewrite replaces the file with the in-memory entries (atomically:
// statefile.Write).
func (h *History) rewrite() error {
	var b strings.Builder
	for _, e := range h.entries {
		b.WriteString(escapeEntry(e) + "\n")
	}
	if err := statefile.Write(h.path, []byte(b.String())); err != nil {
		return fmt.Errorf("compact history %s: %w", h.path, err)
	}
	h.fileLines = len(h.entries)
	return nil
}

// SearchEntries finds the newest of entries before index from
// (exclusive) that contains q (Ctrl-R); -1 when none does.
func SearchEntries(entries []string, q string, from int) int {
	if from > len(entries) {
		from = len(entries)
	}
	for i := from - 1; i >= 0; i-- {
		if strings.Contains(entries[i], q) {
			return i
		}
	}
	return -1
}

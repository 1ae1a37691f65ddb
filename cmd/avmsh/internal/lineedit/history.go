package lineedit

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
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

// history is the in-memory list, oldest first, and its file.
type history struct {
	entries []string
	limit   int
	path    string
	// fileLines counts the lines in the file, to know when to
	// compact it.
	fileLines int
}

// DefaultHistoryFile is $XDG_STATE_HOME/avmsh/history, or
// ~/.local/state/avmsh/history; "" when neither can be made.
func DefaultHistoryFile(getenv func(string) string) string {
	dir := getenv("XDG_STATE_HOME")
	if dir == "" || !filepath.IsAbs(dir) { // the XDG spec ignores relative paths
		home := getenv("HOME")
		if home == "" {
			return ""
		}
		dir = filepath.Join(home, ".local", "state")
	}
	dir = filepath.Join(dir, "avmsh")
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
func (h *history) load() error {
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

// add appends an entry (not a repeat of the newest one) and saves it.
func (h *history) add(e string) error {
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
// a temporary file renamed over it).
func (h *history) rewrite() error {
	var b strings.Builder
	for _, e := range h.entries {
		b.WriteString(escapeEntry(e) + "\n")
	}
	tmp, err := os.CreateTemp(filepath.Dir(h.path), ".history-*")
	if err != nil {
		return fmt.Errorf("compact history %s: %w", h.path, err)
	}
	_, werr := tmp.WriteString(b.String())
	cerr := tmp.Close()
	if werr != nil || cerr != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("compact history %s: %w", h.path, errors.Join(werr, cerr))
	}
	if err := os.Rename(tmp.Name(), h.path); err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("compact history %s: %w", h.path, err)
	}
	h.fileLines = len(h.entries)
	return nil
}

// search finds the newest entry before index from (exclusive) that
// contains q; -1 when none does.
func (h *history) search(q string, from int) int {
	if from > len(h.entries) {
		from = len(h.entries)
	}
	for i := from - 1; i >= 0; i-- {
		if strings.Contains(h.entries[i], q) {
			return i
		}
	}
	return -1
}

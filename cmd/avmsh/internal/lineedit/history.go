package lineedit

import (
	"strings"
	"sync"
)

// History is where the editor keeps commands (Up/Down, Ctrl-R): the
// shell's shared, file-backed history (node/shellsession.History), or
// the editor's own in-memory one when Config.History is nil.
type History interface {
	// Entries returns the commands, oldest first.
	Entries() []string
	// Add appends a command (the history may refuse repeats, empty
	// and oversized ones).
	Add(entry string) error
}

// memHistory keeps the last limit commands in memory.
type memHistory struct {
	mu      sync.Mutex
	entries []string
	limit   int
}

func (h *memHistory) Entries() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.entries...)
}

func (h *memHistory) Add(e string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	e = strings.TrimRight(e, "\n")
	if strings.TrimSpace(e) == "" || (len(h.entries) > 0 && h.entries[len(h.entries)-1] == e) {
		return nil
	}
	h.entries = append(h.entries, e)
	if len(h.entries) > h.limit {
		h.entries = append([]string(nil), h.entries[len(h.entries)-h.limit:]...)
	}
	return nil
}

// searchEntries finds the newest of entries before index from
// (exclusive) that contains q; -1 when none does.
func searchEntries(entries []string, q string, from int) int {
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

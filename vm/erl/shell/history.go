package shell

import "github.com/avmsh/avmsh/vm/erl/parse"
import "github.com/avmsh/avmsh/vm/term"

// Entry is one command of the history: its number, source text, parsed
// expressions and (while it is kept) its value.
type Entry struct {
	N        int
	Source   string
	Exprs    []parse.Expr
	Value    term.Term
	HasValue bool
}

// defaultHistory is OTP's shell_history_length and shell_saved_results
// default.
const defaultHistory = 20

func defaultSize(n int) int {
	if n <= 0 {
		return defaultHistory
	}
	return n
}

// cmdHistory keeps the last length commands and the values of the last
// results ones, as OTP's shell does after each command (shell.erl
// deletes commands numbered N - HistoryLength and below, and the
// results of N - SavedResults and below).
type cmdHistory struct {
	entries         []Entry
	length, results int
}

// add stores command e and forgets what the sizes no longer cover.
func (h *cmdHistory) add(e Entry) {
	h.entries = append(h.entries, e)
	h.trim(e.N)
}

// trim applies the sizes after command n.
func (h *cmdHistory) trim(n int) {
	drop := 0
	for drop < len(h.entries) && h.entries[drop].N <= n-h.length {
		drop++
	}
	if drop > 0 {
		h.entries = append([]Entry(nil), h.entries[drop:]...)
	}
	for i := range h.entries {
		if h.entries[i].N <= n-h.results && h.entries[i].HasValue {
			h.entries[i].Value, h.entries[i].HasValue = nil, false
		}
	}
}

// get returns command n.
func (h *cmdHistory) get(n int) (Entry, bool) {
	for _, e := range h.entries {
		if e.N == n {
			return e, true
		}
	}
	return Entry{}, false
}

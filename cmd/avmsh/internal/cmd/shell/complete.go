package shellcmd

import (
	"context"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/avmsh/avmsh/cmd/avmsh/internal/lineedit"
	"github.com/avmsh/avmsh/vm/erl/scan"
	"github.com/avmsh/avmsh/vm/erl/shell"
	"github.com/avmsh/avmsh/vm/term"
)

// caller makes the module calls completion needs on the target.
type caller interface {
	Call(ctx context.Context, mod, fun term.Atom, args []term.Term) (term.Term, error)
}

// completions caches what Tab completes from the target.
type completions struct {
	mu      sync.Mutex
	host    caller
	session *shell.Session
	modules []string
	exports map[string][]lineedit.Candidate
}

func (c *completions) reset() {
	c.mu.Lock()
	c.modules, c.exports = nil, nil
	c.mu.Unlock()
}

var metaCommands = []string{":help", ":nodes", ":connect ", ":target ", ":devices", ":quit"}

// completionTimeout bounds the calls one Tab makes to the target.
const completionTimeout = 2 * time.Second

// complete returns the word before the cursor and its candidates:
// Mod:fun( with arities after a colon, else variables (a capital),
// modules, registered names and shell built-ins; meta-commands after a
// leading ':', and node names after :connect and :target.
func (r *repl) complete(before string, _ int) (string, []lineedit.Candidate) {
	i := len(before)
	for i > 0 && isWordByte(before[i-1]) {
		i--
	}
	word := before[i:]
	if t := strings.TrimLeft(before, " \t"); strings.HasPrefix(t, ":") {
		f := strings.Fields(t)
		if len(f) >= 1 && (f[0] == ":connect" || f[0] == ":target") && (len(f) == 2 || strings.HasSuffix(t, " ")) {
			var out []lineedit.Candidate
			for _, p := range r.s.Node.Nodes() {
				out = append(out, lineedit.Candidate{Text: string(p.Node)})
			}
			return word, out
		}
		return t, texts(metaCommands)
	}
	if word == "" {
		return "", nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), completionTimeout)
	defer cancel()
	if j := strings.IndexByte(word, ':'); j > 0 {
		return word, r.comp.exportsOf(ctx, word[:j])
	}
	var out []string
	if word[0] >= 'A' && word[0] <= 'Z' || word[0] == '_' {
		if s := r.comp.session; s != nil && s.Bindings() != nil {
			for _, b := range s.Bindings().All() {
				out = append(out, b.Name)
			}
		}
		return word, texts(out)
	}
	for _, m := range r.comp.modulesOf(ctx) {
		out = append(out, m+":")
	}
	if v, err := r.comp.call(ctx, "erlang", "registered", nil); err == nil {
		if l, ok := v.(term.List); ok {
			for _, n := range l {
				if a, ok := n.(term.Atom); ok {
					out = append(out, string(a))
				}
			}
		}
	}
	out = append(out, shell.Builtins()...)
	return word, texts(out)
}

func texts(ss []string) []lineedit.Candidate {
	out := make([]lineedit.Candidate, len(ss))
	for i, s := range ss {
		out[i] = lineedit.Candidate{Text: s}
	}
	return out
}

func isWordByte(b byte) bool {
	return b == '_' || b == ':' || b == '@' || b == '.' || b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z'
}

func (c *completions) call(ctx context.Context, mod, fun term.Atom, args []term.Term) (term.Term, error) {
	c.mu.Lock()
	h := c.host
	c.mu.Unlock()
	if h == nil {
		return nil, context.Canceled
	}
	return h.Call(ctx, mod, fun, args)
}

// modulesOf lists the target's loaded modules (once per target).
func (c *completions) modulesOf(ctx context.Context) []string {
	c.mu.Lock()
	if c.modules != nil {
		defer c.mu.Unlock()
		return c.modules
	}
	c.mu.Unlock()
	mods := []string{}
	v, err := c.call(ctx, "code", "all_loaded", nil)
	if err != nil {
		return mods // not cached: the next Tab asks again
	}
	if l, ok := v.(term.List); ok {
		for _, e := range l {
			if t, ok := e.(term.Tuple); ok && len(t) == 2 {
				if a, ok := t[0].(term.Atom); ok {
					mods = append(mods, string(a))
				}
			}
		}
	}
	sort.Strings(mods)
	c.mu.Lock()
	c.modules = mods
	c.mu.Unlock()
	return mods
}

// exportsOf lists Mod's exports from Mod:module_info(exports) on the
// target: each is inserted as "mod:fun(" and listed as "fun/Arity".
func (c *completions) exportsOf(ctx context.Context, mod string) []lineedit.Candidate {
	c.mu.Lock()
	if e, ok := c.exports[mod]; ok {
		c.mu.Unlock()
		return e
	}
	c.mu.Unlock()
	var out []lineedit.Candidate
	v, err := c.call(ctx, term.Atom(mod), "module_info", []term.Term{term.Atom("exports")})
	if err != nil {
		return nil
	}
	if l, ok := v.(term.List); ok {
		for _, e := range l {
			t, ok := e.(term.Tuple)
			if !ok || len(t) != 2 {
				continue
			}
			f, ok1 := t[0].(term.Atom)
			a, ok2 := t[1].(term.Int)
			if !ok1 || !ok2 || f == "module_info" {
				continue
			}
			out = append(out, lineedit.Candidate{Text: mod + ":" + quoteAtom(string(f)) + "(", Display: string(f) + "/" + strconv.Itoa(int(a))})
		}
	}
	c.mu.Lock()
	if c.exports == nil {
		c.exports = map[string][]lineedit.Candidate{}
	}
	c.exports[mod] = out
	c.mu.Unlock()
	return out
}

// quoteAtom quotes a function name that is not a plain atom.
func quoteAtom(s string) string {
	if s != "" && s[0] >= 'a' && s[0] <= 'z' && !scan.IsReserved(s) && strings.IndexFunc(s, func(r rune) bool {
		return !(r == '_' || r == '@' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), "'", `\'`) + "'"
}

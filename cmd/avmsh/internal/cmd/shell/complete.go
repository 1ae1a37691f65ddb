package shellcmd

import (
	"context"
	"sort"
	"strings"
	"sync"
	"time"

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
	exports map[string][]string
}

func (c *completions) reset() {
	c.mu.Lock()
	c.modules, c.exports = nil, nil
	c.mu.Unlock()
}

var metaCommands = []string{":help", ":nodes", ":connect ", ":target ", ":devices", ":quit"}

// complete returns the word before the cursor and its candidates:
// Mod:fun( after a colon, else variables, modules, registered names,
// shell built-ins and, for :connect/:target, node names.
func (r *repl) complete(line string, pos int) (string, []string) {
	i := len(line)
	for i > 0 && isWordByte(line[i-1]) {
		i--
	}
	word := line[i:]
	if strings.HasPrefix(strings.TrimSpace(line), ":") {
		f := strings.Fields(line)
		if len(f) >= 1 && (f[0] == ":connect" || f[0] == ":target") && (len(f) == 2 || strings.HasSuffix(line, " ")) {
			var names []string
			for _, p := range r.s.Node.Nodes() {
				names = append(names, string(p.Node))
			}
			return word, names
		}
		return strings.TrimSpace(line), metaCommands
	}
	if word == "" {
		return "", nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if j := strings.IndexByte(word, ':'); j > 0 {
		mod := word[:j]
		var out []string
		for _, f := range r.comp.exportsOf(ctx, mod) {
			out = append(out, mod+":"+f)
		}
		return word, out
	}
	var out []string
	if word[0] >= 'A' && word[0] <= 'Z' || word[0] == '_' {
		if s := r.comp.session; s != nil && s.Bindings() != nil {
			for _, b := range s.Bindings().All() {
				out = append(out, b.Name)
			}
		}
		return word, out
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
	for _, b := range shell.Builtins() {
		out = append(out, b)
	}
	sort.Strings(out)
	return word, out
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
	if v, err := c.call(ctx, "code", "all_loaded", nil); err == nil {
		if l, ok := v.(term.List); ok {
			for _, e := range l {
				if t, ok := e.(term.Tuple); ok && len(t) == 2 {
					if a, ok := t[0].(term.Atom); ok {
						mods = append(mods, string(a))
					}
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

// exportsOf lists Mod's exports as "fun(" strings, from
// Mod:module_info(exports) on the target.
func (c *completions) exportsOf(ctx context.Context, mod string) []string {
	c.mu.Lock()
	if e, ok := c.exports[mod]; ok {
		c.mu.Unlock()
		return e
	}
	c.mu.Unlock()
	var out []string
	seen := map[string]bool{}
	if v, err := c.call(ctx, term.Atom(mod), "module_info", []term.Term{term.Atom("exports")}); err == nil {
		if l, ok := v.(term.List); ok {
			for _, e := range l {
				if t, ok := e.(term.Tuple); ok && len(t) == 2 {
					if f, ok := t[0].(term.Atom); ok && f != "module_info" && !seen[string(f)] {
						seen[string(f)] = true
						out = append(out, string(f)+"(")
					}
				}
			}
		}
	}
	sort.Strings(out)
	c.mu.Lock()
	if c.exports == nil {
		c.exports = map[string][]string{}
	}
	c.exports[mod] = out
	c.mu.Unlock()
	return out
}

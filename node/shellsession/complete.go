package shellsession

import (
	"context"
	"net"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/avmsh/avmsh/epmd"
	"github.com/avmsh/avmsh/node"
	"github.com/avmsh/avmsh/node/rpc"
	"github.com/avmsh/avmsh/vm/erl/scan"
	"github.com/avmsh/avmsh/vm/erl/shell"
	"github.com/avmsh/avmsh/vm/term"
)

// Candidate is one completion: Text replaces the word being completed,
// Display (Text when empty) is how it is listed. Several candidates may
// share a Text (lists:seq( for seq/2 and seq/3).
type Candidate struct {
	Text, Display string
}

// completionTimeout bounds the calls one Tab makes (to the target, to
// epmd).
const completionTimeout = 2 * time.Second

// Complete returns the word before the cursor (before is the command up
// to the cursor) and the candidates that may complete it — every
// candidate, the front-end keeps those that extend the word: Mod:fun(
// with arities after "Mod:", bound variables for a capital, modules,
// registered names and shell built-ins otherwise; meta-commands after a
// leading ':', node names after :connect and :target (the connected
// ones and those the epmd of this host and of the connected nodes'
// hosts list). Calls to the target are bounded by a short timeout; what
// they fail to give is left out.
func (s *Session) Complete(ctx context.Context, before string) (string, []Candidate) {
	i := len(before)
	for i > 0 && isWordByte(before[i-1]) {
		i--
	}
	word := before[i:]
	if t := strings.TrimLeft(before, " \t"); strings.HasPrefix(t, ":") {
		f := strings.Fields(t)
		if len(f) >= 1 && (f[0] == ":connect" || f[0] == ":target") && (len(f) == 2 || strings.HasSuffix(t, " ")) && s.cfg.Node != nil {
			return word, s.comp.nodeNames(ctx)
		}
		return t, texts(MetaCommands)
	}
	if word == "" || s.cfg.Node == nil {
		return word, nil
	}
	ctx, cancel := context.WithTimeout(ctx, completionTimeout)
	defer cancel()
	if j := strings.IndexByte(word, ':'); j > 0 {
		return word, s.comp.exportsOf(ctx, word[:j])
	}
	if word[0] >= 'A' && word[0] <= 'Z' || word[0] == '_' {
		return word, texts(s.variables())
	}
	var out []string
	for _, m := range s.comp.modulesOf(ctx) {
		out = append(out, m+":")
	}
	out = append(out, s.comp.registered(ctx)...)
	cands := texts(out)
	for _, b := range shell.Builtins() {
		cands = append(cands, Candidate{Text: b[:strings.IndexByte(b, '/')] + "(", Display: b})
	}
	return word, cands
}

// variables are the bound variables: avmsh's evaluator's bindings, or
// the variables the commands OTP's shell ran successfully bound.
func (s *Session) variables() []string {
	s.mu.Lock()
	sh := s.sh
	s.mu.Unlock()
	if sh == nil {
		return s.vars.names(s.term.failures())
	}
	var out []string
	if bs := sh.Bindings(); bs != nil {
		for _, b := range bs.All() {
			out = append(out, b.Name)
		}
	}
	return out
}

func texts(ss []string) []Candidate {
	out := make([]Candidate, len(ss))
	for i, s := range ss {
		out[i] = Candidate{Text: s}
	}
	return out
}

func isWordByte(b byte) bool {
	return b == '_' || b == ':' || b == '@' || b == '.' || b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z'
}

// completions caches what Tab completes from the target (per target:
// `:target` resets it).
type completions struct {
	s       *Session
	mu      sync.Mutex
	modules []string
	exports map[string][]Candidate
}

func (c *completions) reset() {
	c.mu.Lock()
	c.modules, c.exports = nil, nil
	c.mu.Unlock()
}

// local reports whether the target is avmsh's own node, whose modules
// are the registry's Go functions (code:all_loaded and module_info do
// not exist there).
func (c *completions) local() bool { return c.s.Target() == c.s.cfg.Node.Name() }

func (c *completions) call(ctx context.Context, mod, fun term.Atom, args []term.Term) (term.Term, error) {
	gl := c.s.GroupLeader()
	return rpc.Call(ctx, c.s.cfg.Node, c.s.Target(), mod, fun, args, rpc.Options{GroupLeader: &gl})
}

// modulesOf lists the target's modules (once per target).
func (c *completions) modulesOf(ctx context.Context) []string {
	c.mu.Lock()
	if c.modules != nil {
		defer c.mu.Unlock()
		return c.modules
	}
	c.mu.Unlock()
	mods := []string{}
	if c.local() {
		if reg := c.s.cfg.Registry; reg != nil {
			for _, m := range reg.Modules() {
				mods = append(mods, string(m))
			}
		}
	} else {
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
	}
	sort.Strings(mods)
	c.mu.Lock()
	c.modules = mods
	c.mu.Unlock()
	return mods
}

// exportsOf lists Mod's exports (Mod:module_info(exports) on the target,
// the registry's functions on the local node): each is inserted as
// "mod:fun(" and listed as "fun/Arity".
func (c *completions) exportsOf(ctx context.Context, mod string) []Candidate {
	c.mu.Lock()
	if e, ok := c.exports[mod]; ok {
		c.mu.Unlock()
		return e
	}
	c.mu.Unlock()
	var exports term.Term
	if c.local() {
		if reg := c.s.cfg.Registry; reg != nil {
			exports = term.List(reg.Exports(term.Atom(mod)))
		}
	} else {
		v, err := c.call(ctx, term.Atom(mod), "module_info", []term.Term{term.Atom("exports")})
		if err != nil {
			return nil
		}
		exports = v
	}
	var out []Candidate
	if l, ok := exports.(term.List); ok {
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
			out = append(out, Candidate{Text: mod + ":" + quoteAtom(string(f)) + "(", Display: string(f) + "/" + strconv.Itoa(int(a))})
		}
	}
	c.mu.Lock()
	if c.exports == nil {
		c.exports = map[string][]Candidate{}
	}
	c.exports[mod] = out
	c.mu.Unlock()
	return out
}

// registered lists the target's registered names.
func (c *completions) registered(ctx context.Context) []string {
	var v term.Term
	if c.local() {
		var l term.List
		for _, n := range c.s.cfg.Node.Runtime().Registered() {
			l = append(l, n)
		}
		v = l
	} else {
		var err error
		if v, err = c.call(ctx, "erlang", "registered", nil); err != nil {
			return nil
		}
	}
	var out []string
	for _, n := range asList(v) {
		if a, ok := n.(term.Atom); ok {
			out = append(out, string(a))
		}
	}
	return out
}

// asList reads a proper list (term.Chars included) as a term.List.
func asList(v term.Term) term.List {
	l, _ := term.AsList(v)
	return l
}

// nodeNames are the candidates after :connect: the connected nodes and
// the names registered in the epmd of this host and of every connected
// node's host (as name@host).
func (c *completions) nodeNames(ctx context.Context) []Candidate {
	ctx, cancel := context.WithTimeout(ctx, completionTimeout)
	defer cancel()
	n := c.s.cfg.Node
	seen := map[string]bool{}
	var out []Candidate
	add := func(name string) {
		if !seen[name] && term.Atom(name) != n.Name() {
			seen[name] = true
			out = append(out, Candidate{Text: name})
		}
	}
	hosts := []string{}
	if _, h, err := node.SplitNodeName(string(n.Name())); err == nil {
		hosts = append(hosts, h)
	}
	for _, p := range n.Nodes() {
		add(string(p.Node))
		if _, h, err := node.SplitNodeName(string(p.Node)); err == nil {
			hosts = append(hosts, h)
		}
	}
	port := c.s.cfg.EpmdPort
	if port == 0 {
		var err error
		if port, err = epmd.EnvPort(c.s.cfg.Getenv); err != nil {
			port = epmd.DefaultPort
		}
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	done := map[string]bool{}
	for _, h := range hosts {
		if done[h] || h == "serial.local" {
			continue
		}
		done[h] = true
		wg.Add(1)
		go func(host string) {
			defer wg.Done()
			r, err := (&epmd.Client{Addr: net.JoinHostPort(host, strconv.Itoa(port)), Timeout: completionTimeout}).Names(ctx)
			if err != nil {
				return
			}
			mu.Lock()
			defer mu.Unlock()
			for _, e := range r.Nodes {
				add(e.Name + "@" + host)
			}
		}(h)
	}
	wg.Wait()
	sort.Slice(out, func(i, j int) bool { return out[i].Text < out[j].Text })
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

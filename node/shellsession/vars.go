package shellsession

import (
	"sort"
	"sync"

	"github.com/avmsh/avmsh/vm/erl/parse"
	"github.com/avmsh/avmsh/vm/term"
)

// varTracker follows the variables OTP's shell binds, for Tab (OTP 25's
// shell does not tell them while it waits at the prompt): the variables
// of a command's top-level matches are kept once the command has run
// without printing an exception or an error; f() forgets them all and
// f(X) one.
type varTracker struct {
	mu      sync.Mutex
	bound   map[string]bool
	pending *varChange // the last command's, until it is known to succeed
	fails   int        // the failures counted when it was read
}

type varChange struct {
	bind   []string
	forget []string
	clear  bool
}

// command notes a command read for OTP's shell; fails is the count of
// failures seen in the output so far.
func (v *varTracker) command(src string, fails int) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.settle(fails)
	v.pending, v.fails = changeOf(src), fails
}

// names are the variables bound now (fails: the failure count now).
func (v *varTracker) names(fails int) []string {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.settle(fails)
	out := make([]string, 0, len(v.bound))
	for n := range v.bound {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// settle applies the pending change if no failure was printed since its
// command was read (called with v.mu held).
func (v *varTracker) settle(fails int) {
	p := v.pending
	if p == nil || fails != v.fails {
		if fails != v.fails {
			v.pending = nil
		}
		return
	}
	if v.bound == nil || p.clear {
		v.bound = map[string]bool{}
	}
	for _, n := range p.forget {
		delete(v.bound, n)
	}
	for _, n := range p.bind {
		v.bound[n] = true
	}
	v.pending = nil
}

// changeOf is what a command does to the bindings, as far as its
// top-level expressions show (matches, f(), f(X)).
func changeOf(src string) *varChange {
	es, err := parse.String(src)
	if err != nil {
		return nil
	}
	c := &varChange{}
	for _, e := range es {
		c.expr(e)
	}
	return c
}

func (c *varChange) expr(e parse.Expr) {
	switch x := e.(type) {
	case *parse.Match:
		c.pattern(x.Pat)
		c.expr(x.X)
	case *parse.Call:
		f, ok := x.Fun.(*parse.Lit)
		if !ok || f.Val != term.Atom("f") {
			return
		}
		switch len(x.Args) {
		case 0:
			c.clear, c.bind, c.forget = true, nil, nil
		case 1:
			if v, ok := x.Args[0].(*parse.Var); ok {
				c.forget = append(c.forget, v.Name)
			}
		}
	}
}

// pattern collects the variables of a pattern.
func (c *varChange) pattern(p parse.Expr) {
	parse.Rewrite(p, func(e parse.Expr) (parse.Expr, bool) {
		if v, ok := e.(*parse.Var); ok && v.Name != "" && v.Name[0] != '_' {
			c.bind = append(c.bind, v.Name)
		}
		return nil, false
	})
}

package eval

import (
	"sort"

	"github.com/avmsh/avmsh/vm/term"
)

// Bindings is an immutable set of variable bindings. Binding a variable
// returns a new set that shares the old one, so closures capture their
// environment for free and a failed match leaves no trace. The nil
// *Bindings is the empty set.
type Bindings struct {
	name string
	val  term.Term
	next *Bindings
}

// Get returns the value bound to name.
func (b *Bindings) Get(name string) (term.Term, bool) {
	for n := b; n != nil; n = n.next {
		if n.name == name {
			return n.val, true
		}
	}
	return nil, false
}

// Bind returns b with name bound to v (replacing any earlier binding).
func (b *Bindings) Bind(name string, v term.Term) *Bindings {
	return &Bindings{name: name, val: v, next: b}
}

// Delete returns b without a binding for name.
func (b *Bindings) Delete(name string) *Bindings {
	if _, ok := b.Get(name); !ok {
		return b
	}
	var out *Bindings
	for _, kv := range b.All() {
		if kv.Name != name {
			out = out.Bind(kv.Name, kv.Value)
		}
	}
	return out
}

// Binding is one variable and its value.
type Binding struct {
	Name  string
	Value term.Term
}

// All returns the current bindings sorted by name (the order of the
// shell's b()).
func (b *Bindings) All() []Binding {
	var out []Binding
	for n := b; n != nil; n = n.next {
		out = append(out, Binding{n.name, n.val})
	}
	// Stable: for a shadowed name the newest binding (first) survives.
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	k := 0
	for i := range out {
		if k > 0 && out[k-1].Name == out[i].Name {
			continue
		}
		out[k] = out[i]
		k++
	}
	return out[:k]
}

// Len returns the number of distinct variables bound.
func (b *Bindings) Len() int { return len(b.All()) }

// compact rebuilds b without shadowed entries when its chain has grown
// long (a shell session rebinding after f(X) many times).
func (b *Bindings) compact() *Bindings {
	n := 0
	for x := b; x != nil; x = x.next {
		n++
	}
	if n <= 32 {
		return b
	}
	all := b.All()
	if n <= 2*len(all)+16 {
		return b
	}
	var out *Bindings
	for i := len(all) - 1; i >= 0; i-- {
		out = out.Bind(all[i].Name, all[i].Value)
	}
	return out
}

// NewBindings builds bindings from pairs.
func NewBindings(pairs ...Binding) *Bindings {
	var out *Bindings
	for _, p := range pairs {
		out = out.Bind(p.Name, p.Value)
	}
	return out
}

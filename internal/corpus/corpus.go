package corpus

import (
	"math/rand/v2"

	"github.com/avmsh/avmsh/vm/etf"
	"github.com/avmsh/avmsh/vm/term"
)

// Entry is one corpus term with a short, stable label such as
// "int/-2^63" or "random/417".
type Entry struct {
	Label string
	Term  term.Term
}

// Seed is the seed of the random part of the corpus; Entries is the same
// in every run and on every machine.
const Seed = 20250101

// RandomCount is the number of generated (random-shaped) terms.
const RandomCount = 1800

// Entries returns the corpus: the hand-written edge cases first (lists
// of code points also in their compact form, term.Chars), then
// RandomCount random terms of every type. Each call builds fresh terms
// that the caller may keep.
func Entries() []Entry {
	es := append(edges(), charsEdges()...)
	r := rand.New(rand.NewPCG(Seed, Seed>>1))
	g := gen{r: r}
	for i := range RandomCount {
		es = append(es, Entry{Label: "random/" + itoa(i), Term: g.term(0)})
	}
	return es
}

// Terms returns the terms of Entries.
func Terms() []term.Term {
	es := Entries()
	out := make([]term.Term, len(es))
	for i, e := range es {
		out[i] = e.Term
	}
	return out
}

// Label returns a short printable description of any term for an error
// message: its kind and an abbreviated rendering, e.g.
// "tuple {a,1,<<1,2,...". Use Entry.Label for corpus terms.
func Label(t term.Term) string {
	return term.KindOf(t).String() + " " + etf.Describe(t, 48)
}

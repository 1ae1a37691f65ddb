package term

import (
	"cmp"
	"iter"
	"slices"
)

// KV is one association of a Map.
type KV struct {
	Key   Term
	Value Term
}

// Map is an Erlang map. Any term can be a key; keys are matched with `=:=`
// (CompareExact). A Map is immutable: Put and Delete return new maps. The
// zero value is the empty map.
//
// Associations are kept sorted in map-key order, which is also the order
// OTP uses for maps of up to 32 keys when it prints or iterates them.
type Map struct{ kv []KV }

// NewMap builds a map from pairs. When a key appears more than once the
// last value wins, as in `#{K => 1, K => 2}`.
func NewMap(pairs ...KV) Map {
	if len(pairs) == 0 {
		return Map{}
	}
	kv := slices.Clone(pairs)
	if inKeyOrder(kv) {
		return Map{kv: kv}
	}
	slices.SortStableFunc(kv, compareKeys)
	out := kv[:0]
	for i := range kv {
		if len(out) > 0 && CompareExact(out[len(out)-1].Key, kv[i].Key) == 0 {
			out[len(out)-1] = kv[i]
			continue
		}
		out = append(out, kv[i])
	}
	return Map{kv: out}
}

// NewMapUnique builds a map from pairs whose keys are all different,
// taking pairs over as the map's storage (it is sorted in place; the
// caller must not use it afterwards): one allocation for a decoder. ok
// is false when two keys are =:= (the map is then unusable).
func NewMapUnique(pairs []KV) (m Map, ok bool) {
	if inKeyOrder(pairs) {
		// A map from OTP of up to 32 keys arrives in key order.
		return Map{kv: pairs}, true
	}
	// Larger ones arrive in hash order (mapsort.go).
	if len(pairs) <= 256 {
		var keys [256]uint64
		return sortPairs(pairs, keys[:len(pairs)])
	}
	if uint64(len(pairs)) <= 1<<32 {
		return sortPairs(pairs, make([]uint64, len(pairs)))
	}
	slices.SortFunc(pairs, compareKeys)
	return Map{kv: pairs}, inKeyOrder(pairs)
}

func compareKeys(a, b KV) int { return keyOrder(a.Key, b.Key) }

// keyOrder is CompareExact with integer keys compared in line (compare
// itself takes atoms first).
func keyOrder(a, b Term) int {
	if x, ok := a.(Int); ok {
		if y, ok := b.(Int); ok {
			return cmp.Compare(x, y)
		}
	}
	return compare(a, b, true)
}

// inKeyOrder reports whether the keys of kv are strictly increasing: in
// map-key order and without duplicates.
func inKeyOrder(kv []KV) bool {
	for i := 1; i < len(kv); i++ {
		if keyOrder(kv[i-1].Key, kv[i].Key) >= 0 {
			return false
		}
	}
	return true
}

// Len returns the number of associations.
func (m Map) Len() int { return len(m.kv) }

func (m Map) find(k Term) (int, bool) {
	return slices.BinarySearchFunc(m.kv, k, func(e KV, k Term) int { return CompareExact(e.Key, k) })
}

// Get returns the value for key k.
func (m Map) Get(k Term) (Term, bool) {
	i, ok := m.find(k)
	if !ok {
		return nil, false
	}
	return m.kv[i].Value, true
}

// Put returns a map with k associated to v.
func (m Map) Put(k, v Term) Map {
	i, ok := m.find(k)
	kv := make([]KV, 0, len(m.kv)+1)
	kv = append(kv, m.kv[:i]...)
	kv = append(kv, KV{k, v})
	if ok {
		i++
	}
	kv = append(kv, m.kv[i:]...)
	return Map{kv: kv}
}

// Delete returns a map without key k.
func (m Map) Delete(k Term) Map {
	i, ok := m.find(k)
	if !ok {
		return m
	}
	kv := make([]KV, 0, len(m.kv)-1)
	kv = append(append(kv, m.kv[:i]...), m.kv[i+1:]...)
	return Map{kv: kv}
}

// Pairs returns the associations in map-key order. The slice must not be
// modified.
func (m Map) Pairs() []KV { return m.kv }

// All iterates over the associations in map-key order.
func (m Map) All() iter.Seq2[Term, Term] {
	return func(yield func(Term, Term) bool) {
		for _, e := range m.kv {
			if !yield(e.Key, e.Value) {
				return
			}
		}
	}
}

func compareMaps(x, y Map, exact bool) int {
	if x.Len() != y.Len() {
		return cmp3(x.Len(), y.Len())
	}
	for i := range x.kv {
		if c := CompareExact(x.kv[i].Key, y.kv[i].Key); c != 0 {
			return c
		}
	}
	for i := range x.kv {
		if c := compare(x.kv[i].Value, y.kv[i].Value, exact); c != 0 {
			return c
		}
	}
	return 0
}

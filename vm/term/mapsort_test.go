package term

import (
	"cmp"
	"math"
	"math/big"
	"math/rand/v2"
	"slices"
	"testing"
)

// mapKeys returns n keys of every kind, with the edges of map-key
// order: 1 and 1.0, 0.0 and -0.0, integers beyond float64's precision
// and beyond int64, atoms and binaries sharing long prefixes or holding
// NUL bytes, bitstrings against binaries, a string as List and as
// Chars, tuples of different sizes.
func mapKeys(r *rand.Rand, n int) []Term {
	big1, _ := new(big.Int).SetString("123456789012345678901234567890", 10)
	big2 := new(big.Int).Neg(big1)
	pool := []func() Term{
		func() Term { return Int(r.IntN(50) - 25) },
		func() Term { return Int(r.Int64()) },
		func() Term { return Int(1<<53 + r.IntN(4)) },
		func() Term { return Float(float64(r.IntN(50)-25) / 2) },
		func() Term { return Float(math.Copysign(0, float64(r.IntN(2)*2-1))) },
		func() Term { return BigInteger(big1) },
		func() Term { return BigInteger(big2) },
		func() Term {
			return Atom([]string{"a", "ab", "a\x00", "field_name_1", "field_name_2", "field_name_", "\xff\xfe"}[r.IntN(7)])
		},
		func() Term { return Binary([]byte{byte(r.IntN(3)), 0, 0, 0, 0, 0, 0, byte(r.IntN(3))}[:r.IntN(9)]) },
		func() Term { return NewBitstring([]byte{byte(r.IntN(3)) << 5}, uint8(1+r.IntN(7))) },
		func() Term { return String("k") },
		func() Term { return Chars("k") },
		func() Term { return Tuple(make([]Term, r.IntN(3))) },
		func() Term { return Tuple{Int(r.IntN(3))} },
		func() Term { return NewPid("n@h", uint32(r.IntN(3)), 0, 1) },
		func() Term { return Nil },
		func() Term { return NewMap(KV{Key: Int(r.IntN(2)), Value: Nil}) },
	}
	keys := make([]Term, n)
	for i := range keys {
		keys[i] = pool[r.IntN(len(pool))]()
	}
	return keys
}

// TestKeyPrefixOrder checks that the prefixes sortPairs sorts by never
// contradict map-key order, and that equal keys have equal prefixes.
func TestKeyPrefixOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	keys := mapKeys(r, 3000)
	for _, w := range []int{56, 48, 32} {
		for i := range 20000 {
			a, b := keys[i%len(keys)], keys[r.IntN(len(keys))]
			pa, pb := keyPrefix(a, w), keyPrefix(b, w)
			c := keyOrder(a, b)
			if (c == 0 && pa != pb) || (pa < pb && c >= 0) || (pa > pb && c <= 0) {
				t.Fatalf("w=%d: %v (%x) and %v (%x): keyOrder %d", w, a, pa, b, pb, c)
			}
		}
	}
}

// TestSortPairs compares NewMapUnique with a plain sort by keyOrder on
// hash-ordered maps of many kinds of keys, with and without duplicates.
func TestSortPairs(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	sorted := 0
	defer func() {
		if sorted < 150 {
			t.Errorf("only %d of the maps had unique keys", sorted)
		}
	}()
	for round := range 400 {
		n := 2 + r.IntN(300)
		if round%3 == 0 {
			n = 33 + r.IntN(40)
		}
		keys := mapKeys(r, n)
		if round%4 == 0 { // integer keys only: the packed path
			for i := range keys {
				keys[i] = Int(r.Int64N(1<<40) - 1<<39)
				if round%8 == 0 {
					keys[i] = Int(r.Int64())
				}
			}
		}
		if round%2 == 1 { // unique keys: the order is checked
			var uniq []Term
			for _, k := range keys {
				if !slices.ContainsFunc(uniq, func(u Term) bool { return ExactEqual(u, k) }) {
					uniq = append(uniq, k)
				}
			}
			keys, n = uniq, len(uniq)
			if n < 2 {
				continue
			}
		}
		pairs := make([]KV, n)
		for i, k := range keys {
			pairs[i] = KV{Key: k, Value: Int(i)}
		}
		want, dup := sortedRef(pairs)
		m, ok := NewMapUnique(slices.Clone(pairs))
		if ok == dup {
			t.Fatalf("round %d (n=%d): ok=%v with duplicates=%v", round, n, ok, dup)
		}
		if !ok {
			continue
		}
		sorted++
		for i, kv := range m.Pairs() {
			if !ExactEqual(kv.Key, want[i].Key) || kv.Value != want[i].Value {
				t.Fatalf("round %d: pair %d is %v => %v, want %v => %v", round, i, kv.Key, kv.Value, want[i].Key, want[i].Value)
			}
		}
	}
}

// BenchmarkSortPairs sorts maps of 40 to 100 unique keys in hash order,
// as OTP sends maps of more than 32 keys: mixed keys like the
// conformance corpus's random maps, atom keys, integer keys; "ref" is
// the sort used before.
func BenchmarkSortPairs(b *testing.B) {
	r := rand.New(rand.NewPCG(5, 6))
	var mixed, atoms, ints [][]KV
	for range 50 {
		n := 40 + r.IntN(60)
		var m, a, in []KV
		for len(m) < n {
			k := mapKeys(r, 1)[0]
			if !slices.ContainsFunc(m, func(kv KV) bool { return ExactEqual(kv.Key, k) }) {
				m = append(m, KV{Key: k, Value: Nil})
			}
		}
		for i := range n {
			a = append(a, KV{Key: Atom("field_" + string(rune('a'+i%26)) + string(rune('a'+i/26))), Value: Nil})
			in = append(in, KV{Key: Int(i * 7919 % 100003), Value: Nil})
		}
		r.Shuffle(n, func(i, j int) { a[i], a[j] = a[j], a[i] })
		r.Shuffle(n, func(i, j int) { in[i], in[j] = in[j], in[i] })
		mixed, atoms, ints = append(mixed, m), append(atoms, a), append(ints, in)
	}
	for _, c := range []struct {
		name string
		maps [][]KV
	}{{"mixed", mixed}, {"atoms", atoms}, {"ints", ints}} {
		for _, impl := range []string{"prefix", "ref"} {
			b.Run(c.name+"/"+impl, func(b *testing.B) {
				work := make([][]KV, len(c.maps))
				for i := range work {
					work[i] = make([]KV, len(c.maps[i]))
				}
				for b.Loop() {
					for i, m := range c.maps {
						copy(work[i], m)
						var ok bool
						if impl == "prefix" {
							var keys [256]uint64
							_, ok = sortPairs(work[i], keys[:len(m)])
						} else {
							var pos [256]uint8
							var kinds [256]Kind
							_, ok = sortByPositionRef(work[i], pos[:len(m)], kinds[:len(m)])
						}
						if !ok {
							b.Fatal("duplicate keys")
						}
					}
				}
			})
		}
	}
}

// sortByPositionRef is the sort NewMapUnique used before sortPairs
// (kept to compare the two in BenchmarkSortPairs): it sorts pairs by key through order and kinds, scratch
// slices of len(pairs), and reports false on a duplicate key. Keys of
// different kinds (most pairs of a mixed map) compare by their kind
// bytes alone.
func sortByPositionRef[P uint8 | uint32](pairs []KV, order []P, kinds []Kind) (Map, bool) {
	for i := range order {
		order[i] = P(i)
		kinds[i] = KindOf(pairs[i].Key)
	}
	ints := intKeysRef(pairs) // integer keys (ids, indexes): no call per comparison
	byKey := func(a, b P) int {
		if ints != nil {
			return cmp.Compare(ints[a], ints[b])
		}
		if ka, kb := kinds[a], kinds[b]; ka != kb {
			return cmp.Compare(ka, kb)
		}
		return keyOrder(pairs[a].Key, pairs[b].Key)
	}
	slices.SortFunc(order, byKey)
	for i := 1; i < len(order); i++ {
		if byKey(order[i-1], order[i]) == 0 {
			return Map{}, false
		}
	}
	permute(pairs, order)
	return Map{kv: pairs}, true
}

// intKeysRef returns the keys of pairs as int64s when they are all Ints
// (small integers), else nil.
func intKeysRef(pairs []KV) []Int {
	for _, kv := range pairs {
		if _, ok := kv.Key.(Int); !ok {
			return nil
		}
	}
	ints := make([]Int, len(pairs))
	for i, kv := range pairs {
		ints[i] = kv.Key.(Int)
	}
	return ints
}

// FuzzSortPairs builds a map from keys the input picks (two bytes per
// key: a kind and a value, with the edges of mapKeys) in the input's
// order, and checks NewMapUnique against a plain sort by keyOrder: the
// same order, and a duplicate reported exactly when there is one.
func FuzzSortPairs(f *testing.F) {
	f.Add([]byte{0, 1, 0, 2, 3, 1, 7, 0, 7, 1, 8, 3, 9, 2, 12, 1, 5, 0, 6, 0, 4, 0, 4, 1})
	f.Add([]byte{1, 200, 1, 100, 2, 3, 10, 0, 11, 0, 13, 2, 14, 1, 15, 0, 16, 1, 0, 0})
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) < 4 || len(in) > 1024 {
			return
		}
		pairs := make([]KV, 0, len(in)/2)
		for i := 0; i+1 < len(in); i += 2 {
			pairs = append(pairs, KV{Key: fuzzKey(in[i], in[i+1]), Value: Int(i)})
		}
		want, dup := sortedRef(pairs)
		m, ok := NewMapUnique(slices.Clone(pairs))
		if ok == dup {
			t.Fatalf("ok=%v with duplicates=%v", ok, dup)
		}
		if !ok {
			return
		}
		for i, kv := range m.Pairs() {
			if !ExactEqual(kv.Key, want[i].Key) || kv.Value != want[i].Value {
				t.Fatalf("pair %d is %v => %v, want %v => %v", i, kv.Key, kv.Value, want[i].Key, want[i].Value)
			}
		}
	})
}

func fuzzKey(kind, v byte) Term {
	big1, _ := new(big.Int).SetString("123456789012345678901234567890", 10)
	switch kind % 17 {
	case 0:
		return Int(int8(v))
	case 1:
		return Int(int64(v) << 56)
	case 2:
		return Int(1<<53 + int64(v%4))
	case 3:
		return Float(float64(int8(v)) / 4)
	case 4:
		return Float(math.Copysign(0, float64(int8(v))))
	case 5:
		return BigInteger(big1.Add(big1, big.NewInt(int64(v))))
	case 6:
		return BigInteger(big1.Neg(big1.Add(big1, big.NewInt(int64(v)))))
	case 7:
		return Atom(string([]byte{'a', v % 3, 'b', 'c', 'd', 'e', 'f', v % 2, v / 128})[:v%10])
	case 8:
		return Binary([]byte{v % 3, 0, 0, 0, 0, 0, 0, v / 64}[:v%9])
	case 9:
		return NewBitstring([]byte{v}, 1+v%8)
	case 10:
		return String(string(rune('a' + v%3)))
	case 11:
		return Chars(string(rune('a' + v%3)))
	case 12:
		return Tuple(make([]Term, v%3))
	case 13:
		return Tuple{Int(v % 3)}
	case 14:
		return NewPid("n@h", uint32(v%3), 0, 1)
	case 15:
		return Nil
	}
	return NewMap(KV{Key: Int(v % 2), Value: Nil})
}

// sortedRef is pairs sorted stably in map-key order by a plain sort,
// and whether two keys are equal.
func sortedRef(pairs []KV) ([]KV, bool) {
	want := slices.Clone(pairs)
	slices.SortStableFunc(want, compareKeys)
	dup := false
	for i := 1; i < len(want); i++ {
		dup = dup || keyOrder(want[i-1].Key, want[i].Key) == 0
	}
	return want, dup
}

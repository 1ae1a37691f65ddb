package term

import (
	"math/big"
	"slices"
	"testing"
)

func TestTermOrder(t *testing.T) {
	big1, _ := new(big.Int).SetString("100000000000000000000", 10)
	ordered := []Term{
		BigInteger(new(big.Int).Neg(big1)), Int(-1), Float(-0.5), Int(0), Int(1), Float(1.5), BigInteger(big1),
		Atom("a"), Atom("b"),
		NewRef("n@h", 1, 1),
		&Fun{Module: "m"}, ExportFun{Module: "m", Function: "f", Arity: 1},
		Port{Node: "n@h", ID: 1},
		NewPid("n@h", 1, 0, 1),
		Tuple{}, Tuple{Int(1)}, Tuple{Int(1), Int(2)},
		NewMap(), NewMap(KV{Int(1), Atom("a")}),
		Nil,
		ImproperList{Elems: []Term{Int(1)}, Tail: Int(2)}, List{Int(1)}, List{Int(1), Int(2)}, List{Atom("a")},
		Binary{}, Binary{1}, Binary{1, 2}, NewBitstring([]byte{0x80}, 1),
	}
	for i := range ordered {
		for j := range ordered {
			got := Compare(ordered[i], ordered[j])
			want := cmp3(i, j)
			if got != want {
				t.Errorf("Compare(%#v, %#v) = %d, want %d", ordered[i], ordered[j], got, want)
			}
		}
	}
}

func TestEqualities(t *testing.T) {
	cases := []struct {
		a, b         Term
		equal, exact bool
	}{
		{Int(1), Float(1), true, false},
		{Tuple{Int(1)}, Tuple{Float(1)}, true, false},
		{List{Int(1)}, List{Int(1)}, true, true},
		{Float(0), Float(-0.0), true, true},
		{NewMap(KV{Int(1), Atom("a")}), NewMap(KV{Float(1), Atom("a")}), false, false},
		{Binary("ab"), Binary("ab"), true, true},
		{NewPid("a@b", 1, 2, 3), NewPid("a@b", 1, 2, 3), true, true},
		{NewPid("a@b", 1, 2, 3), NewPid("a@b", 1, 2, 4), false, false},
	}
	for _, c := range cases {
		if got := Equal(c.a, c.b); got != c.equal {
			t.Errorf("Equal(%#v,%#v)=%v", c.a, c.b, got)
		}
		if got := ExactEqual(c.a, c.b); got != c.exact {
			t.Errorf("ExactEqual(%#v,%#v)=%v", c.a, c.b, got)
		}
	}
}

func TestMapKeyOrder(t *testing.T) {
	// OTP prints #{1.0 => a, 2 => b, 0 => c} as #{0 => c,2 => b,1.0 => a}.
	m := NewMap(KV{Float(1), Atom("a")}, KV{Int(2), Atom("b")}, KV{Int(0), Atom("c")})
	var keys []Term
	for k := range m.All() {
		keys = append(keys, k)
	}
	want := []Term{Int(0), Int(2), Float(1)}
	if !slices.EqualFunc(keys, want, ExactEqual) {
		t.Fatalf("keys %v, want %v", keys, want)
	}
	tk := Tuple{Atom("x"), List{Int(1)}}
	m2 := m.Put(tk, Atom("t")).Put(NewMap(KV{tk, tk}), Atom("m"))
	if v, ok := m2.Get(Tuple{Atom("x"), List{Int(1)}}); !ok || v != Atom("t") {
		t.Fatalf("tuple key lookup: %v %v", v, ok)
	}
	if v, ok := m2.Get(NewMap(KV{tk, tk})); !ok || v != Atom("m") {
		t.Fatalf("map key lookup: %v %v", v, ok)
	}
	if _, ok := m2.Get(Int(1)); ok {
		t.Fatal("1 must not match 1.0")
	}
	if m2.Delete(tk).Len() != 4 || m.Len() != 3 {
		t.Fatal("Delete/Put must not mutate")
	}
	if NewMap(KV{Int(1), Atom("a")}, KV{Int(1), Atom("b")}).Len() != 1 {
		t.Fatal("duplicate keys")
	}
}

func TestNormalisation(t *testing.T) {
	if _, ok := BigInteger(big.NewInt(5)).(Int); !ok {
		t.Fatal("small big not normalised")
	}
	if _, ok := NewBitstring([]byte{1, 2}, 0).(Binary); !ok {
		t.Fatal("whole-byte bitstring not normalised")
	}
	if b := NewBitstring([]byte{0xFF}, 3).(Bitstring); b.Data[0] != 0xE0 || b.BitSize() != 3 {
		t.Fatalf("bitstring mask: %#v", b)
	}
	if c := Cons([]Term{Int(1)}, List{Int(2)}); !ExactEqual(c, List{Int(1), Int(2)}) {
		t.Fatalf("cons onto list: %#v", c)
	}
	if c := Cons([]Term{Int(1)}, ImproperList{Elems: []Term{Int(2)}, Tail: Int(3)}); !ExactEqual(c, ImproperList{Elems: []Term{Int(1), Int(2)}, Tail: Int(3)}) {
		t.Fatalf("cons onto improper: %#v", c)
	}
	s, ok := CharList(String("héllo"))
	if !ok || s != "héllo" {
		t.Fatalf("CharList %q %v", s, ok)
	}
	m := map[Term]int{NewPid("a@b", 1, 0, 1): 1, NewRef("a@b", 1, 1, 2, 3): 2, Port{Node: "a@b", ID: 9}: 3}
	if m[NewPid("a@b", 1, 0, 1)] != 1 || m[NewRef("a@b", 1, 1, 2, 3)] != 2 {
		t.Fatal("pids/refs as map keys")
	}
}

func TestNewMapUnique(t *testing.T) {
	for _, n := range []int{0, 1, 2, 33, 256, 257, 1000} {
		// Keys in a scrambled order, as OTP sends a map of more than 32
		// keys; values remember their key.
		pairs := make([]KV, n)
		for i := range pairs {
			k := Int((i*7919 + 13) % n)
			pairs[i] = KV{Key: k, Value: Tuple{k}}
		}
		m, ok := NewMapUnique(pairs)
		if !ok || m.Len() != n {
			t.Fatalf("n=%d: ok=%v len=%d", n, ok, m.Len())
		}
		for i, kv := range m.Pairs() {
			if kv.Key != Int(i) || !ExactEqual(kv.Value, Tuple{Int(i)}) {
				t.Fatalf("n=%d: pair %d is %v => %v", n, i, kv.Key, kv.Value)
			}
		}
	}
	for _, n := range []int{2, 40, 300} {
		pairs := make([]KV, n)
		for i := range pairs {
			pairs[i] = KV{Key: Int((i * 31) % n), Value: Nil}
		}
		pairs[n-1].Key = pairs[0].Key // a duplicate
		if _, ok := NewMapUnique(pairs); ok {
			t.Errorf("n=%d: duplicate keys accepted", n)
		}
	}
	if _, ok := NewMapUnique([]KV{{Key: String("k"), Value: Nil}, {Key: Chars("k"), Value: Nil}}); ok {
		t.Error(`"k" as List and as Chars are one key`)
	}
}

func TestNewMapUniqueMixedAndIntKeys(t *testing.T) {
	// Integer keys take their own sort; mixed keys the generic one. Both
	// must give map-key order (integers before floats, =:= not ==).
	pairs := []KV{{Float(1), Atom("f")}, {Int(3), Nil}, {Atom("a"), Nil}, {Int(-2), Nil}, {Int(1), Atom("i")}}
	m, ok := NewMapUnique(pairs)
	if !ok {
		t.Fatal("1 and 1.0 are different keys")
	}
	want := []Term{Int(-2), Int(1), Int(3), Float(1), Atom("a")}
	for i, kv := range m.Pairs() {
		if !ExactEqual(kv.Key, want[i]) {
			t.Fatalf("key %d is %v, want %v", i, kv.Key, want[i])
		}
	}
	ints := make([]KV, 300)
	for i := range ints {
		ints[i] = KV{Key: Int(int64((i * 113) % 300)), Value: Nil}
	}
	ints[299].Key = ints[5].Key
	if _, ok := NewMapUnique(ints); ok {
		t.Error("duplicate integer key accepted")
	}
}

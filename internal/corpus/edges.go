package corpus

import (
	"math"
	"math/big"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/avmsh/avmsh/vm/term"
)

func itoa(i int) string { return strconv.Itoa(i) }

// edgeNodes are the node names used by constructed pids, ports and refs.
var edgeNodes = []term.Atom{"corpus@127.0.0.1", "nonode@nohost", "a@b", "ün@høst", term.Atom("n" + strings.Repeat("x", 200) + "@h")}

func pow2(n uint) *big.Int { return new(big.Int).Lsh(big.NewInt(1), n) }

func bigTerm(v *big.Int) term.Term { return term.BigInteger(v) }

func add(v *big.Int, d int64) *big.Int { return new(big.Int).Add(v, big.NewInt(d)) }

func neg(v *big.Int) *big.Int { return new(big.Int).Neg(v) }

// edges returns the hand-written part of the corpus.
func edges() []Entry {
	var es []Entry
	put := func(label string, t term.Term) { es = append(es, Entry{Label: label, Term: t}) }
	r := rand.New(rand.NewPCG(Seed, 7))

	// Atoms.
	for _, a := range []string{"", "a", "ok", "true", "false", "nil", "undefined", "Hello", "with space",
		"quote's", `back\slash`, "new\nline", "héllo", "日本語", "🙂", "a@b.c", "_x", "1abc",
		strings.Repeat("a", 255), strings.Repeat("é", 255), strings.Repeat("🙂", 255), strings.Repeat("z", 254) + "é"} {
		put("atom/"+shortName(a), term.Atom(a))
	}

	// Integers around every encoding boundary.
	ints := []int64{0, 1, -1, 2, 127, 128, 254, 255, 256, -255, -256, -257, 1000, -1000,
		1<<27 - 1, 1 << 27, -(1 << 27), -(1<<27 + 1), math.MaxInt32, math.MaxInt32 + 1, math.MinInt32, math.MinInt32 - 1,
		1<<32 - 1, 1 << 32, 1<<32 + 1, -(1 << 32), -(1<<32 - 1), -(1<<32 + 1),
		1<<40 + 12345, -(1<<48 + 7), math.MaxInt64, math.MinInt64, math.MaxInt64 - 1, math.MinInt64 + 1}
	for _, v := range ints {
		put("int/"+strconv.FormatInt(v, 10), term.Int(v))
	}
	for _, c := range []struct {
		l string
		v *big.Int
	}{
		{"2^63", pow2(63)}, {"-2^63-1", add(neg(pow2(63)), -1)}, {"2^64", pow2(64)}, {"-2^64", neg(pow2(64))},
		{"2^64-1", add(pow2(64), -1)}, {"2^64+1", add(pow2(64), 1)}, {"-2^64-1", add(neg(pow2(64)), -1)}, {"-2^64+1", add(neg(pow2(64)), 1)},
		{"2^100", pow2(100)}, {"2^255", pow2(255)}, {"2^256-1", add(pow2(256), -1)}, {"-(2^256-1)", neg(add(pow2(256), -1))},
		{"2^256", pow2(256)}, {"-2^256", neg(pow2(256))}, {"2^2039", pow2(2039)}, {"2^2040", pow2(2040)}, {"-2^2048", neg(pow2(2048))},
	} {
		put("int/"+c.l, bigTerm(c.v))
	}
	for i, sign := range []int{1, -1, 1} {
		digits := make([]byte, 1000)
		for j := range digits {
			digits[j] = byte('0' + r.IntN(10))
		}
		digits[0] = byte('1' + r.IntN(9))
		v, _ := new(big.Int).SetString(string(digits), 10)
		if sign < 0 {
			v.Neg(v)
		}
		put("int/1000-digit-"+itoa(i), bigTerm(v))
	}

	// Floats: signed zero, extremes, subnormals (no NaN or infinity).
	floats := []float64{0, math.Copysign(0, -1), 1, -1, 0.1, -1.5, 3.141592653589793, 1e15, 1e16, 123456789.123,
		1e300, -1e300, math.MaxFloat64, -math.MaxFloat64, math.SmallestNonzeroFloat64, -math.SmallestNonzeroFloat64,
		2.2250738585072014e-308, 2.225073858507201e-308, 1e-310, 4.9406564584124654e-322, 0.5, 2.5e-5, 9007199254740993}
	for i, f := range floats {
		put("float/"+itoa(i)+"/"+strconv.FormatFloat(f, 'g', -1, 64), term.Float(f))
	}

	// Binaries up to 64 KiB and bitstrings with 1..7 trailing bits.
	for _, n := range []int{0, 1, 2, 3, 16, 63, 64, 255, 256, 1000, 4096, 65535, 65536} {
		put("binary/"+itoa(n), term.Binary(randBytes(r, n)))
	}
	for bits := uint8(1); bits <= 7; bits++ {
		for _, n := range []int{1, 2, 9, 300} {
			put("bitstring/"+itoa(n)+"B:"+itoa(int(bits)), term.NewBitstring(randBytes(r, n), bits))
		}
	}
	put("bitstring/<<5:3>>", term.NewBitstring([]byte{5 << 5}, 3))

	// Strings and byte lists.
	put("string/empty", term.Nil)
	put("string/hello", term.String("hello"))
	put("string/latin1", term.String("héllo wörld ÿ"))
	put("string/unicode", term.String("日本語 🙂 ok"))
	put("string/with-zero", term.List{term.Int(0), term.Int(255), term.Int(10)})
	for _, n := range []int{255, 256, 65535, 65536, 70000} {
		put("bytelist/"+itoa(n), byteList(randBytes(r, n)))
	}
	put("list/256-not-bytes", term.List{term.Int(256), term.Int(1)})
	put("list/neg-int", term.List{term.Int(-1), term.Int(1)})

	// Proper and improper lists.
	put("list/[a]", term.List{term.Atom("a")})
	put("list/[[]]", term.List{term.Nil})
	put("list/mixed", term.List{term.Atom("a"), term.Int(1), term.Float(2.5), term.Binary("x"), term.Tuple{}, term.Nil})
	put("improper/[1|2]", term.ImproperList{Elems: []term.Term{term.Int(1)}, Tail: term.Int(2)})
	put("improper/[a,b|c]", term.ImproperList{Elems: []term.Term{term.Atom("a"), term.Atom("b")}, Tail: term.Atom("c")})
	put("improper/[1|<<>>]", term.ImproperList{Elems: []term.Term{term.Int(1)}, Tail: term.Binary{}})
	put("improper/bytes|tuple", term.ImproperList{Elems: []term.Term{term.Int(1), term.Int(2), term.Int(3)}, Tail: term.Tuple{term.Atom("t")}})
	put("improper/tail-map", term.ImproperList{Elems: []term.Term{term.Atom("x")}, Tail: term.NewMap(term.KV{Key: term.Int(1), Value: term.Int(2)})})

	// Deep nesting.
	for _, depth := range []int{10, 100, 500} {
		put("deep/list/"+itoa(depth), nest(depth, func(t term.Term) term.Term { return term.List{t} }))
		put("deep/tuple/"+itoa(depth), nest(depth, func(t term.Term) term.Term { return term.Tuple{term.Atom("n"), t} }))
		put("deep/map/"+itoa(depth), nest(depth, func(t term.Term) term.Term { return term.NewMap(term.KV{Key: term.Atom("k"), Value: t}) }))
		put("deep/improper/"+itoa(depth), nest(depth, func(t term.Term) term.Term {
			return term.ImproperList{Elems: []term.Term{term.Int(1)}, Tail: term.Tuple{t}}
		}))
	}

	// Tuples.
	put("tuple/{}", term.Tuple{})
	put("tuple/{a}", term.Tuple{term.Atom("a")})
	for _, n := range []int{255, 256, 1000} {
		t := make(term.Tuple, n)
		for i := range t {
			t[i] = term.Int(int64(i))
		}
		put("tuple/"+itoa(n), t)
	}

	// Maps with every kind of key.
	put("map/empty", term.NewMap())
	put("map/1-vs-1.0", term.NewMap(term.KV{Key: term.Int(1), Value: term.Atom("int")}, term.KV{Key: term.Float(1), Value: term.Atom("float")}))
	put("map/odd-keys", term.NewMap(
		term.KV{Key: term.Tuple{term.Atom("a"), term.Int(1)}, Value: term.Int(1)},
		term.KV{Key: term.List{term.Int(1), term.Int(2)}, Value: term.Int(2)},
		term.KV{Key: term.NewMap(term.KV{Key: term.Atom("x"), Value: term.Atom("y")}), Value: term.Int(3)},
		term.KV{Key: term.Float(-0.5), Value: term.Int(4)},
		term.KV{Key: term.Int(-7), Value: term.Int(5)},
		term.KV{Key: term.Binary("bin"), Value: term.Int(6)},
		term.KV{Key: term.Nil, Value: term.Int(7)},
		term.KV{Key: term.NewPid("a@b", 1, 2, 3), Value: term.Int(8)},
		term.KV{Key: bigTerm(pow2(70)), Value: term.Int(9)},
	))
	for _, n := range []int{32, 33, 100, 1000} {
		kv := make([]term.KV, n)
		for i := range kv {
			kv[i] = term.KV{Key: term.Int(int64(i * 7)), Value: term.Atom("v" + itoa(i))}
		}
		put("map/"+itoa(n)+"-keys", term.NewMap(kv...))
	}
	mixed := make([]term.KV, 40)
	for i := range mixed {
		var k term.Term = term.Atom("k" + itoa(i))
		if i%3 == 1 {
			k = term.Tuple{term.Int(int64(i))}
		} else if i%3 == 2 {
			k = term.Binary(itoa(i))
		}
		mixed[i] = term.KV{Key: k, Value: term.Int(int64(i))}
	}
	put("map/40-mixed-keys", term.NewMap(mixed...))

	// Pids, ports and references.
	for i, node := range edgeNodes {
		put("pid/"+itoa(i)+"/small", term.NewPid(node, 1, 0, 1))
		put("pid/"+itoa(i)+"/wide", term.NewPid(node, 0x7FFF, 0x1FFF, 3))
		put("pid/"+itoa(i)+"/v4", term.NewPid(node, 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF))
		put("pid/"+itoa(i)+"/creation0", term.NewPid(node, 42, 7, 0))
		put("port/"+itoa(i)+"/small", term.Port{Node: node, ID: 5, Creation: 1})
		put("port/"+itoa(i)+"/28bit", term.Port{Node: node, ID: 1<<28 - 1, Creation: 1234})
		put("port/"+itoa(i)+"/64bit", term.Port{Node: node, ID: 1<<64 - 1, Creation: 0xFFFFFFFF})
		put("port/"+itoa(i)+"/40bit", term.Port{Node: node, ID: 1<<40 + 3, Creation: 0})
		for words := 1; words <= term.MaxRefWords; words++ {
			ws := make([]uint32, words)
			for j := range ws {
				ws[j] = r.Uint32()
			}
			put("ref/"+itoa(i)+"/"+itoa(words)+"w", term.NewRef(node, uint32(i*1000+words), ws...))
		}
	}

	// Funs.
	for _, ef := range []term.ExportFun{{Module: "lists", Function: "map", Arity: 2}, {Module: "erlang", Function: "+", Arity: 2},
		{Module: "m", Function: "f", Arity: 0}, {Module: "mød", Function: "fün", Arity: 255}, {Module: "Mod", Function: "'q'", Arity: 1}} {
		put("export/"+string(ef.Module)+":"+string(ef.Function)+"/"+itoa(int(ef.Arity)), ef)
	}
	frees := [][]term.Term{nil, {term.Int(1)}, {term.Atom("a"), term.Binary("b"), term.List{term.Int(1)}},
		{term.Tuple{term.NewPid("a@b", 9, 0, 2), term.NewMap(term.KV{Key: term.Int(1), Value: term.Float(1)})}}}
	for i, free := range frees {
		f := &term.Fun{Module: "corpus_mod", Arity: uint8(i), Index: uint32(i), OldIndex: int32(i), OldUniq: int32(r.IntN(1 << 27)),
			Pid: term.NewPid(edgeNodes[i%len(edgeNodes)], uint32(100+i), 0, 1), Free: free}
		copy(f.Uniq[:], randBytes(r, 16))
		put("fun/"+itoa(i)+"-free", f)
	}
	nested := &term.Fun{Module: "corpus_mod", Arity: 1, Index: 9, OldIndex: 9, OldUniq: 12345, Pid: term.NewPid("a@b", 1, 0, 1),
		Free: []term.Term{es[len(es)-1].Term, term.ExportFun{Module: "m", Function: "f", Arity: 1}}}
	put("fun/nested", nested)
	put("fun/big-olduniq", &term.Fun{Module: "m", Arity: 3, OldUniq: math.MaxInt32, OldIndex: -1, Index: math.MaxUint32, Pid: term.NewPid("a@b", 2, 0, 1)})

	// A message-shaped term of the kind the distribution carries.
	put("shape/gen_call", term.Tuple{term.Atom("$gen_call"),
		term.Tuple{term.NewPid("corpus@127.0.0.1", 88, 0, 5), term.List{term.Atom("alias"), term.NewRef("corpus@127.0.0.1", 5, 1, 2, 3)}},
		term.Tuple{term.Atom("get"), term.Binary("key"), term.NewMap(term.KV{Key: term.Atom("timeout"), Value: term.Int(5000)})}})
	return es
}

func shortName(s string) string {
	if len(s) > 12 {
		cut := 0
		for i := range s {
			if i > 8 {
				break
			}
			cut = i
		}
		return s[:cut] + "…" + itoa(len(s)) + "B"
	}
	if s == "" {
		return "''"
	}
	return s
}

func randBytes(r *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func byteList(b []byte) term.List {
	l := make(term.List, len(b))
	for i, c := range b {
		l[i] = term.Int(c)
	}
	return l
}

func nest(depth int, wrap func(term.Term) term.Term) term.Term {
	var t term.Term = term.Atom("leaf")
	for range depth {
		t = wrap(t)
	}
	return t
}

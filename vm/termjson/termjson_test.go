package termjson

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/avmsh/avmsh/vm/syntax"
	"github.com/avmsh/avmsh/vm/term"
)

// randTerm builds a random term of every kind, depth-limited.
func randTerm(r *rand.Rand, depth int) term.Term {
	k := r.IntN(22)
	if depth <= 0 && k >= 14 {
		k = r.IntN(14)
	}
	atoms := []term.Atom{"ok", "error", "true", "false", "null", "undefined", "$weird", "with space", "日本", "", "a@b", "$int"}
	switch k {
	case 0:
		return atoms[r.IntN(len(atoms))]
	case 1:
		return term.Int(r.Int64N(1<<20) - 1<<19)
	case 2:
		return term.Int(int64(r.Uint64()))
	case 3:
		b := new(big.Int).Lsh(big.NewInt(r.Int64N(1000)+1), uint(64+r.IntN(200)))
		if r.IntN(2) == 0 {
			b.Neg(b)
		}
		return term.BigInteger(b)
	case 4:
		f := math.Float64frombits(r.Uint64())
		if math.IsNaN(f) || math.IsInf(f, 0) {
			f = -0.0
		}
		return term.Float(f)
	case 5:
		return term.Float(float64(r.IntN(1000)) / 8)
	case 6:
		return term.Binary("text é\n\"q\"")
	case 7:
		b := make([]byte, r.IntN(10))
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		return term.Binary(b)
	case 8:
		return term.NewBitstring([]byte{0xAB, byte(r.Uint32())}, uint8(1+r.IntN(7)))
	case 9:
		return term.String("hello\tworld ünïcode 😀")
	case 10:
		return term.NewPid("n@h", r.Uint32(), r.Uint32(), r.Uint32())
	case 11:
		return term.Port{Node: "n@h", ID: r.Uint64(), Creation: r.Uint32()}
	case 12:
		return term.NewRef("n@h", r.Uint32(), r.Uint32(), r.Uint32(), r.Uint32())
	case 13:
		return term.ExportFun{Module: "lists", Function: "map", Arity: uint8(r.IntN(256))}
	case 14, 15:
		n := r.IntN(5)
		l := make(term.List, n)
		for i := range l {
			l[i] = randTerm(r, depth-1)
		}
		if n == 0 {
			return term.Nil
		}
		return l
	case 16:
		return term.Cons(term.List{randTerm(r, depth-1)}, term.Atom("tail"))
	case 17:
		n := r.IntN(4)
		tp := make(term.Tuple, n)
		for i := range tp {
			tp[i] = randTerm(r, depth-1)
		}
		return tp
	case 18:
		var kvs []term.KV
		for i := 0; i < r.IntN(4); i++ {
			kvs = append(kvs, term.KV{Key: atoms[r.IntN(len(atoms))], Value: randTerm(r, depth-1)})
		}
		return term.NewMap(kvs...)
	case 19:
		var kvs []term.KV
		for i := 0; i < 1+r.IntN(3); i++ {
			kvs = append(kvs, term.KV{Key: term.Binary(fmt.Sprintf("k%d", i)), Value: randTerm(r, depth-1)})
		}
		return term.NewMap(kvs...)
	case 20:
		return term.NewMap(term.KV{Key: randTerm(r, depth-1), Value: randTerm(r, depth-1)})
	default:
		f := &term.Fun{Module: "erl_eval", Arity: 2, Index: 3, OldIndex: -1, OldUniq: 123, Pid: term.NewPid("n@h", 1, 2, 3),
			Free: []term.Term{randTerm(r, depth-1)}}
		f.Uniq[3] = 7
		return f
	}
}

func TestRoundTripRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	for i := 0; i < 5000; i++ {
		v := randTerm(r, 4)
		b, err := Marshal(v)
		if err != nil {
			t.Fatalf("Marshal(%s): %v", syntax.Write(v, syntax.Options{}), err)
		}
		if !json.Valid(b) {
			t.Fatalf("invalid JSON %s", b)
		}
		back, err := Unmarshal(b)
		if err != nil {
			t.Fatalf("Unmarshal(%s): %v", b, err)
		}
		if !term.ExactEqual(back, v) {
			t.Fatalf("round trip of %s via %s gave %s", syntax.Write(v, syntax.Options{}), b, syntax.Write(back, syntax.Options{}))
		}
		ib, err := MarshalIndent(v, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if back2, err := Unmarshal(ib); err != nil || !term.ExactEqual(back2, v) {
			t.Fatalf("indented round trip of %s failed: %v", ib, err)
		}
	}
}

// TestMappingExamples pins the documented mapping (docs/json-mapping.md).
func TestMappingExamples(t *testing.T) {
	cases := []struct{ lit, json string }{
		{`ok`, `"ok"`},
		{`true`, `true`},
		{`null`, `null`},
		{`42`, `42`},
		{`9007199254740993`, `{"$int":"9007199254740993"}`},
		{`1.0`, `1.0`},
		{`1.0e-10`, `1.0e-10`},
		{`[1,2]`, `[1,2]`},
		{`"hi"`, `{"$str":"hi"}`},
		{`<<"hi">>`, `{"$bin":"hi"}`},
		{`<<255>>`, `{"$bin64":"/w=="}`},
		{`<<1:3>>`, `{"$bits":[3,"IA=="]}`},
		{`{ok, 1}`, `{"$tuple":["ok",1]}`},
		{`[a|b]`, `{"$improper":[["a"],"b"]}`},
		{`#{a => 1}`, `{"a":1}`},
		{`#{<<"k">> => v}`, `{"$binmap":{"k":"v"}}`},
		{`#{1 => 2}`, `{"$map":[[1,2]]}`},
		{`#{'$x' => 1}`, `{"$map":[["$x",1]]}`},
		{`<'n@h':3.91.0>`, `{"$pid":{"node":"n@h","id":91,"serial":0,"creation":3}}`},
		{`#Port<'n@h':3.5>`, `{"$port":{"node":"n@h","id":5,"creation":3}}`},
		{`#Ref<'n@h':3.1.2.3>`, `{"$ref":{"node":"n@h","ids":[3,2,1],"creation":3}}`},
		{`fun lists:map/2`, `{"$fun":{"module":"lists","function":"map","arity":2}}`},
		{`{ok, #{name => <<"bob">>, tags => [admin, ops], since => 1.7e9}}`, `{"$tuple":["ok",{"name":{"$bin":"bob"},"since":1.7e9,"tags":["admin","ops"]}]}`},
		{`[{error, enoent}, "file.txt"]`, `[{"$tuple":["error","enoent"]},{"$str":"file.txt"}]`},
	}
	for _, c := range cases {
		v, err := syntax.Parse(c.lit, syntax.ParseOptions{})
		if err != nil {
			t.Fatal(err)
		}
		b, err := Marshal(v)
		if err != nil || string(b) != c.json {
			t.Errorf("Marshal(%s) = %s (%v), want %s", c.lit, b, err, c.json)
		}
		back, err := Unmarshal([]byte(c.json))
		if err != nil || !term.ExactEqual(back, v) {
			t.Errorf("Unmarshal(%s) = %v (%v)", c.json, back, err)
		}
	}
	// Plain JSON from elsewhere reads as terms too.
	v, err := Unmarshal([]byte(`{"name": "x", "tags": ["a", "b"], "n": 1.5e3, "ok": true, "none": null, "deep": {"$atom": "A"}}`))
	if err != nil {
		t.Fatal(err)
	}
	want := term.NewMap(
		term.KV{Key: term.Atom("name"), Value: term.Atom("x")},
		term.KV{Key: term.Atom("tags"), Value: term.List{term.Atom("a"), term.Atom("b")}},
		term.KV{Key: term.Atom("n"), Value: term.Float(1500)},
		term.KV{Key: term.Atom("ok"), Value: term.True},
		term.KV{Key: term.Atom("none"), Value: term.Atom("null")},
		term.KV{Key: term.Atom("deep"), Value: term.Atom("A")},
	)
	if !term.ExactEqual(v, want) {
		t.Errorf("plain JSON gave %s", syntax.Write(v, syntax.Options{}))
	}
}

func TestUnmarshalErrors(t *testing.T) {
	cases := []struct{ in, want string }{
		{`{"$nope": 1}`, `at $.$nope: unknown wrapper "$nope"`},
		{`[1, {"$tuple": 3}]`, `at $[1].$tuple: a tuple must be a JSON array`},
		{`{"$bits": [9, "AA=="]}`, `9 bits need 2 bytes, got 1`},
		{`{"$pid": {"node": "a"}}`, `missing "creation"`},
		{`{"$ref": {"node": "a", "creation": 1, "ids": []}}`, `"ids" must be an array of 1..5 integers`},
		{`1e999`, `out of range`},
		{`"` + strings.Repeat("a", 256) + `"`, `atom of 256 characters is too long`},
		{`[1] [2]`, `unexpected data after the JSON value`},
		{`{"$int": "12x"}`, `is not a decimal integer`},
		{`{`, `unexpected EOF`},
	}
	for _, c := range cases {
		_, err := Unmarshal([]byte(c.in))
		if err == nil || !strings.Contains(err.Error(), c.want) || !errors.Is(err, ErrJSON) {
			t.Errorf("Unmarshal(%s) = %v, want %q", c.in, err, c.want)
		}
	}
	if _, err := Marshal(term.Float(math.NaN())); err == nil {
		t.Error("Marshal(NaN) succeeded")
	}
}

func FuzzUnmarshal(f *testing.F) {
	for _, s := range []string{`"ok"`, `{"$tuple":[1,{"$bin":"x"}]}`, `{"$map":[[1,2]]}`, `{"$bits":[3,"IA=="]}`,
		`{"$pid":{"node":"n@h","id":1,"serial":2,"creation":3}}`, `{"$improper":[[1],2]}`, `[1.5, -0.0, 1e3]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := Unmarshal(data)
		if err != nil {
			if !errors.Is(err, ErrJSON) {
				t.Fatalf("error %v does not wrap ErrJSON", err)
			}
			return
		}
		b, err := Marshal(v)
		if err != nil {
			t.Fatalf("Marshal after Unmarshal(%q): %v", data, err)
		}
		back, err := Unmarshal(b)
		if err != nil || !term.ExactEqual(back, v) {
			t.Fatalf("re-encoding %q as %s does not round-trip: %v", data, b, err)
		}
	})
}

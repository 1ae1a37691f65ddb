package etf_test

import (
	"bytes"
	"errors"
	"math/big"
	"strings"
	"testing"

	"github.com/avmsh/avmsh/internal/corpus"
	"github.com/avmsh/avmsh/vm/etf"
	"github.com/avmsh/avmsh/vm/term"
)

// TestRoundTripCorpus encodes every corpus term with both profiles and
// decodes it back (without OTP; TestOTPConformance checks against OTP).
func TestRoundTripCorpus(t *testing.T) {
	entries := corpus.Entries()
	if len(entries) < 2000 {
		t.Fatalf("corpus has %d terms, want at least 2000", len(entries))
	}
	for _, e := range entries {
		for _, opts := range []*etf.EncodeOptions{nil, {Compress: true}, {Profile: etf.ProfileAtomVM}} {
			b, err := etf.MarshalOptions(e.Term, opts)
			if err != nil {
				if opts != nil && opts.Profile == etf.ProfileAtomVM && errors.Is(err, etf.ErrUnsupported) {
					continue
				}
				t.Fatalf("%s: encode %+v: %v", e.Label, opts, err)
			}
			got, err := etf.Unmarshal(b)
			if err != nil {
				t.Fatalf("%s: decode: %v", e.Label, err)
			}
			if !term.ExactEqual(got, e.Term) {
				t.Fatalf("%s: round trip gave %s", e.Label, etf.Describe(got, 80))
			}
		}
	}
}

// TestPacketOffsets decodes a pass-through packet the way the
// distribution layer does: 112, 131 <control>, 131 <message>.
func TestPacketOffsets(t *testing.T) {
	ctrl := term.Tuple{term.Int(22), term.NewPid("a@h", 1, 0, 3), term.NewPid("b@h", 2, 0, 4)}
	msg := term.Tuple{term.Atom("hello"), term.Binary("world")}
	pkt := []byte{112}
	var err error
	if pkt, err = etf.AppendTerm(pkt, ctrl, nil); err != nil {
		t.Fatal(err)
	}
	if pkt, err = etf.AppendTerm(pkt, msg, nil); err != nil {
		t.Fatal(err)
	}
	c, n, err := etf.Decode(pkt, 1, nil)
	if err != nil || !term.ExactEqual(c, ctrl) {
		t.Fatalf("control: %v %v", c, err)
	}
	m, k, err := etf.Decode(pkt, 1+n, nil)
	if err != nil || !term.ExactEqual(m, msg) || 1+n+k != len(pkt) {
		t.Fatalf("message: %v %d %v", m, k, err)
	}
	// A bad byte inside the message is reported at its offset in pkt.
	bad := bytes.Clone(pkt)
	bad[1+n+3] = 0xEE // 131, 104, 2, then the atom's tag
	_, _, err = etf.Decode(bad, 1+n, nil)
	var de *etf.DecodeError
	if !errors.As(err, &de) || de.Offset != 1+n+3 || de.Tag != 0xEE {
		t.Fatalf("error offset: %v", err)
	}
}

// TestAtomCache resolves ATOM_CACHE_REF through the distribution
// header's atoms and encodes atoms through the hook.
func TestAtomCache(t *testing.T) {
	cache := []term.Atom{"$gen_call", "a@host", "ok"}
	refs := map[term.Atom]int{"$gen_call": 0, "a@host": 1, "ok": 2}
	v := term.Tuple{term.Atom("$gen_call"), term.NewPid("a@host", 5, 0, 1), term.Atom("ok"), term.Atom("not_cached")}
	b, err := etf.AppendBody(nil, v, &etf.EncodeOptions{AtomCacheRef: func(a term.Atom) (int, bool) {
		i, ok := refs[a]
		return i, ok
	}})
	if err != nil {
		t.Fatal(err)
	}
	want := []byte{etf.TagSmallTuple, 4, etf.TagAtomCacheRef, 0, etf.TagNewPid, etf.TagAtomCacheRef, 1}
	if !bytes.HasPrefix(b, want) || bytes.Count(b, []byte{etf.TagAtomCacheRef}) != 3 {
		t.Fatalf("encoding % x", b)
	}
	got, n, err := etf.DecodeBody(b, 0, &etf.DecodeOptions{AtomCache: cache})
	if err != nil || n != len(b) || !term.ExactEqual(got, v) {
		t.Fatalf("decode: %v %v", got, err)
	}
	_, _, err = etf.DecodeBody(b, 0, nil)
	if !errors.Is(err, etf.ErrInvalid) || !strings.Contains(err.Error(), "AtomCache") {
		t.Fatalf("without a cache: %v", err)
	}
	_, _, err = etf.DecodeBody(b, 0, &etf.DecodeOptions{AtomCache: cache[:1]})
	if err == nil || !strings.Contains(err.Error(), "beyond the 1 entries") {
		t.Fatalf("short cache: %v", err)
	}
	// The AtomVM profile never emits ATOM_CACHE_REF.
	b, err = etf.AppendBody(nil, v, &etf.EncodeOptions{Profile: etf.ProfileAtomVM, AtomCacheRef: func(term.Atom) (int, bool) { return 0, true }})
	if err != nil || bytes.IndexByte(b, etf.TagAtomCacheRef) >= 0 && checkAtomVMTags(append([]byte{131}, b...)) != "" {
		t.Fatalf("AtomVM with hook: % x %v", b, err)
	}
}

func TestAtomVMRefusals(t *testing.T) {
	avm := &etf.EncodeOptions{Profile: etf.ProfileAtomVM}
	cases := []struct {
		t    term.Term
		want string
	}{
		{term.NewBitstring([]byte{5 << 5}, 3), "etf: bitstring <<5:3>> cannot be sent to an AtomVM peer: BIT_BINARY_EXT is not decodable there"},
		{term.BigInteger(new(big.Int).Lsh(big.NewInt(1), 256)), "magnitude has 257 bits; AtomVM decodes at most 256"},
		{term.Atom(strings.Repeat("é", 200)), "longer than 255 bytes"},
		{term.LocalExt{Bytes: "\x79abc"}, "LOCAL_EXT (121) is not decodable there"},
		{term.Tuple{term.Int(1), term.List{term.NewBitstring([]byte{1}, 1)}}, "bitstring <<0:1>>"},
	}
	for _, c := range cases {
		buf := []byte("keep")
		out, err := etf.AppendTerm(buf, c.t, avm)
		if err == nil || !strings.Contains(err.Error(), c.want) || !errors.Is(err, etf.ErrUnsupported) {
			t.Errorf("%s: got %v, want an error containing %q", etf.Describe(c.t, 40), err, c.want)
		}
		if string(out) != "keep" {
			t.Errorf("%s: the buffer was not restored: %q", etf.Describe(c.t, 40), out)
		}
	}
	if _, err := etf.MarshalOptions(term.Atom("x"), &etf.EncodeOptions{Profile: etf.ProfileAtomVM, Compress: true}); err == nil {
		t.Error("AtomVM profile accepted compression")
	}
	// 256 bits of magnitude is the most AtomVM takes.
	max := term.BigInteger(new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 256), big.NewInt(1)))
	if b, err := etf.MarshalOptions(max, avm); err != nil || b[1] != etf.TagSmallBig || b[2] != 32 {
		t.Errorf("2^256-1: % x %v", b, err)
	}
}

func TestEncodeErrors(t *testing.T) {
	cyclic := make(term.Tuple, 1)
	cyclic[0] = cyclic
	for _, c := range []struct {
		t    term.Term
		want string
	}{
		{term.Float(0), ""},
		{term.Atom("\xff"), "not valid UTF-8"},
		{term.Atom(strings.Repeat("é", 256)), "more than 255 characters"},
		{cyclic, "is it cyclic"},
		{(*term.Fun)(nil), "nil *term.Fun"},
		{term.BigInt{}, "nil value"},
		{term.LocalExt{Bytes: "x"}, "must start with"},
		{term.Bitstring{Data: []byte{1}, Bits: 9}, "Bits is 9"},
	} {
		_, err := etf.Marshal(c.t)
		if c.want == "" {
			if err != nil {
				t.Errorf("%s: %v", etf.Describe(c.t, 30), err)
			}
			continue
		}
		var ee *etf.EncodeError
		if !errors.As(err, &ee) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want %q", etf.Describe(c.t, 30), err, c.want)
		}
	}
}

// TestLegacyTags decodes the older encodings OTP still accepts, built
// by hand from erl_ext_dist. TestOTPLegacyTags checks the same bytes
// against OTP.
func TestLegacyTags(t *testing.T) {
	for _, c := range legacyCases {
		got, err := etf.Unmarshal(c.bytes)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if !term.ExactEqual(got, c.want) {
			t.Errorf("%s: got %s, want %s", c.name, etf.Describe(got, 80), etf.Describe(c.want, 80))
		}
	}
}

type legacyCase struct {
	name  string
	bytes []byte
	want  term.Term
	otp   bool // binary_to_term in OTP 25 accepts it
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

var legacyCases = []legacyCase{
	{"ATOM_EXT latin1", []byte{131, 100, 0, 3, 'h', 0xE9, 'j'}, term.Atom("héj"), true},
	{"SMALL_ATOM_EXT", []byte{131, 115, 2, 'o', 'k'}, term.Atom("ok"), true},
	{"FLOAT_EXT", cat([]byte{131, 99}, []byte("1.50000000000000000000e+00\x00\x00\x00\x00\x00")), term.Float(1.5), true},
	{"PID_EXT", []byte{131, 103, 119, 3, 'a', '@', 'b', 0, 0, 0, 7, 0, 0, 0, 2, 3}, term.NewPid("a@b", 7, 2, 3), true},
	{"PORT_EXT", []byte{131, 102, 119, 3, 'a', '@', 'b', 0, 0, 0, 9, 2}, term.Port{Node: "a@b", ID: 9, Creation: 2}, true},
	{"NEW_PORT_EXT", []byte{131, 89, 119, 3, 'a', '@', 'b', 0, 0, 0, 9, 0, 0, 1, 0}, term.Port{Node: "a@b", ID: 9, Creation: 256}, true},
	{"REFERENCE_EXT", []byte{131, 101, 119, 3, 'a', '@', 'b', 0, 0, 0, 42, 1}, term.NewRef("a@b", 1, 42), true},
	{"NEW_REFERENCE_EXT", []byte{131, 114, 0, 3, 119, 3, 'a', '@', 'b', 2, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3}, term.NewRef("a@b", 2, 1, 2, 3), true},
	{"LIST_EXT tail chain", []byte{131, 108, 0, 0, 0, 1, 97, 1, 108, 0, 0, 0, 1, 97, 2, 107, 0, 1, 3}, term.List{term.Int(1), term.Int(2), term.Int(3)}, true},
	{"LIST_EXT of length 0", []byte{131, 108, 0, 0, 0, 0, 97, 7}, term.Int(7), true},
	{"LARGE_BIG_EXT small value", []byte{131, 111, 0, 0, 0, 2, 1, 5, 0}, term.Int(-5), true},
	{"SMALL_BIG_EXT zero", []byte{131, 110, 0, 1}, term.Int(0), true},
	{"BIT_BINARY_EXT 8 bits", []byte{131, 77, 0, 0, 0, 1, 8, 0xAB}, term.Binary{0xAB}, true},
	{"BIT_BINARY_EXT garbage bits", []byte{131, 77, 0, 0, 0, 1, 3, 0xFF}, term.NewBitstring([]byte{0xE0}, 3), true},
	{"FUN_EXT", cat([]byte{131, 117, 0, 0, 0, 1, 103, 119, 3, 'a', '@', 'b', 0, 0, 0, 1, 0, 0, 0, 0, 1, 119, 1, 'm', 97, 4, 98, 0, 0, 1, 0, 97, 9}),
		&term.Fun{Module: "m", Index: 4, OldIndex: 4, OldUniq: 256, Pid: term.NewPid("a@b", 1, 0, 1), Free: []term.Term{term.Int(9)}}, false},
	{"compressed", compressedOK(), term.Binary(bytes.Repeat([]byte("ab"), 100)), true},
}

func compressedOK() []byte {
	b, err := etf.MarshalOptions(term.Binary(bytes.Repeat([]byte("ab"), 100)), &etf.EncodeOptions{Compress: true})
	if err != nil || b[1] != etf.TagCompressed {
		panic("compression did not shrink the term")
	}
	return b
}

// TestLocalExt keeps a LOCAL_EXT opaque and re-encodes it byte for byte.
func TestLocalExt(t *testing.T) {
	in := []byte{131, 104, 2, 97, 1, 121, 0xDE, 0xAD, 0xBE, 0xEF, 104, 1, 106}
	v, err := etf.Unmarshal(in)
	if err != nil {
		t.Fatal(err)
	}
	tup, ok := v.(term.Tuple)
	if !ok || len(tup) != 2 {
		t.Fatalf("got %#v", v)
	}
	if le, ok := tup[1].(term.LocalExt); !ok || le.Bytes != string(in[5:]) {
		t.Fatalf("LOCAL_EXT: %#v", tup[1])
	}
	out, err := etf.Marshal(v)
	if err != nil || !bytes.Equal(out, in) {
		t.Fatalf("re-encoded % x, %v", out, err)
	}
}

// TestLocalExtOnlyLast: a LOCAL_EXT runs to the end of its encoding, so
// a term that would follow it (a later tuple element or map entry, a
// list's tail) is refused rather than swallowed by it (FuzzDecode found
// a map whose keys re-encoded in another order put it first), and last
// it is still encoded.
func TestLocalExtOnlyLast(t *testing.T) {
	loc := term.LocalExt{Bytes: "\x79\xde\xad"}
	for _, v := range []term.Term{
		term.Tuple{loc, term.Int(1)},
		term.List{loc},
		term.Tuple{term.Tuple{term.Int(1), loc}, term.Int(2)},
	} {
		if b, err := etf.Marshal(v); !errors.Is(err, etf.ErrUnsupported) || !strings.Contains(err.Error(), "can only come last") {
			t.Errorf("%s: % x, %v", etf.Describe(v, 60), b, err)
		}
		if _, err := etf.AppendBody(nil, v, nil); !errors.Is(err, etf.ErrUnsupported) {
			t.Errorf("AppendBody %s: %v", etf.Describe(v, 60), err)
		}
	}
	for _, v := range []term.Term{loc, term.Tuple{term.Int(1), term.Tuple{term.Int(2), loc}}} {
		b, err := etf.Marshal(v)
		if err != nil {
			t.Fatalf("%s: %v", etf.Describe(v, 60), err)
		}
		if w, err := etf.Unmarshal(b); err != nil || !term.ExactEqual(v, w) {
			t.Fatalf("%s: round trip %v, %v", etf.Describe(v, 60), w, err)
		}
	}
}

func TestUnmarshalTrailing(t *testing.T) {
	_, err := etf.Unmarshal([]byte{131, 106, 0})
	if !errors.Is(err, etf.ErrInvalid) || !strings.Contains(err.Error(), "1 bytes follow") {
		t.Fatalf("got %v", err)
	}
	if _, err := etf.Unmarshal([]byte{130, 106}); err == nil || !strings.Contains(err.Error(), "version byte 131") {
		t.Fatalf("got %v", err)
	}
}

// TestShareBinaries checks that shared binaries alias the input and
// copies do not.
func TestShareBinaries(t *testing.T) {
	in, _ := etf.Marshal(term.Binary("hello"))
	shared, _, _ := etf.Decode(in, 0, &etf.DecodeOptions{ShareBinaries: true})
	copied, _, _ := etf.Decode(in, 0, nil)
	in[len(in)-1] = 'X'
	if string(shared.(term.Binary)) != "hellX" || string(copied.(term.Binary)) != "hello" {
		t.Fatalf("shared %q copied %q", shared, copied)
	}
}

func TestAtomTableBounded(t *testing.T) {
	tab := etf.NewAtomTable(8)
	opts := &etf.DecodeOptions{Atoms: tab}
	for i := range 100 {
		b, _ := etf.Marshal(term.Atom("atom_" + strings.Repeat("x", i)))
		if _, _, err := etf.Decode(b, 0, opts); err != nil {
			t.Fatal(err)
		}
		if tab.Len() > 8 {
			t.Fatalf("table grew to %d", tab.Len())
		}
	}
	b, _ := etf.Marshal(term.Tuple{term.Atom("abc"), term.Atom("abc")})
	allocs := testing.AllocsPerRun(100, func() { _, _, _ = etf.Decode(b, 0, opts) })
	if allocs > 2 { // the tuple's elements and its header; no atom allocations
		t.Fatalf("%v allocations decoding an interned tuple", allocs)
	}
}

func TestDescribe(t *testing.T) {
	for _, c := range []struct {
		t    term.Term
		want string
	}{
		{term.Tuple{term.Atom("a"), term.Atom("B c"), term.Int(-1), term.Float(2)}, "{a,'B c',-1,2.0}"},
		{term.NewBitstring([]byte{1, 0xA0}, 3), "<<1,5:3>>"},
		{term.ImproperList{Elems: []term.Term{term.Int(1)}, Tail: term.Atom("t")}, "[1|t]"},
		{term.NewMap(term.KV{Key: term.Int(1), Value: term.Nil}), "#{1 => []}"},
		{term.Binary(bytes.Repeat([]byte{7}, 100)), "<<7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,..."},
	} {
		if got := etf.Describe(c.t, 0); got != c.want {
			t.Errorf("Describe = %q, want %q", got, c.want)
		}
	}
}

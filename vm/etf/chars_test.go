package etf_test

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"

	"github.com/avmsh/avmsh/internal/corpus"
	"github.com/avmsh/avmsh/internal/erltest"
	"github.com/avmsh/avmsh/vm/etf"
	"github.com/avmsh/avmsh/vm/term"
)

// listExt builds LIST_EXT with the given encoded elements and tail.
func listExt(tail []byte, elems ...[]byte) []byte {
	b := binary.BigEndian.AppendUint32([]byte{131, etf.TagList}, uint32(len(elems)))
	for _, e := range elems {
		b = append(b, e...)
	}
	return append(b, tail...)
}

func small(c byte) []byte { return []byte{etf.TagSmallInteger, c} }

func integer(v int32) []byte {
	return binary.BigEndian.AppendUint32([]byte{etf.TagInteger}, uint32(v))
}

var nilExt = []byte{etf.TagNil}

func stringExt(s string) []byte {
	return append([]byte{131, etf.TagString, byte(len(s) >> 8), byte(len(s))}, s...)
}

// TestCharsDecodeShapes checks which encodings become term.Chars and
// that every one decodes to the list it encodes.
func TestCharsDecodeShapes(t *testing.T) {
	ints := func(cs ...int64) term.List {
		l := make(term.List, len(cs))
		for i, c := range cs {
			l[i] = term.Int(c)
		}
		return l
	}
	cases := []struct {
		name  string
		in    []byte
		want  term.Term
		chars string // the compact form expected, "" for none
	}{
		{"STRING_EXT empty", stringExt(""), term.Nil, ""},
		{"STRING_EXT ascii", stringExt("hello"), term.String("hello"), "hello"},
		{"STRING_EXT latin1", stringExt("h\xe9\xff\x00"), ints('h', 0xE9, 0xFF, 0), "hé\u00ff\x00"},
		{"STRING_EXT 255", stringExt(strings.Repeat("\xfe", 255)), nil, strings.Repeat("\u00fe", 255)},
		{"LIST_EXT bytes", listExt(nilExt, small(1), small(200)), ints(1, 200), "\x01\u00c8"},
		{"LIST_EXT 255,256", listExt(nilExt, small(255), integer(256)), ints(255, 256), "\u00ff\u0100"},
		{"LIST_EXT max code point", listExt(nilExt, integer(0x10FFFF)), ints(0x10FFFF), "\U0010FFFF"},
		{"LIST_EXT beyond max", listExt(nilExt, small(1), integer(0x110000)), ints(1, 0x110000), ""},
		{"LIST_EXT surrogate", listExt(nilExt, integer(0xD800)), ints(0xD800), ""},
		{"LIST_EXT last before surrogates", listExt(nilExt, integer(0xD7FF), integer(0xE000)), ints(0xD7FF, 0xE000), "\uD7FF\uE000"},
		{"LIST_EXT negative", listExt(nilExt, integer(-1), small(1)), ints(-1, 1), ""},
		{"LIST_EXT atom inside", listExt(nilExt, small(97), []byte{etf.TagSmallAtomUTF8, 1, 'b'}), term.List{term.Int(97), term.Atom("b")}, ""},
		{"LIST_EXT improper", listExt(small(3), small(1), small(2)), term.ImproperList{Elems: ints(1, 2), Tail: term.Int(3)}, ""},
		{"LIST_EXT STRING_EXT tail", listExt(stringExt("bc")[1:], integer(1000)), ints(1000, 'b', 'c'), ""},
		{"LIST_EXT empty", listExt(nilExt), term.Nil, ""},
		{"LIST_EXT empty, tail", listExt(small(7)), term.Int(7), ""},
		{"LIST_EXT nested", listExt(nilExt, stringExt("ab")[1:], small(1)), term.List{term.Chars("ab"), term.Int(1)}, ""},
	}
	for _, c := range cases {
		got, err := etf.Unmarshal(c.in)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		want := c.want
		if want == nil {
			want = term.NewChars(c.chars)
		}
		if !term.ExactEqual(got, want) {
			t.Errorf("%s: got %s, want %s", c.name, etf.Describe(got, 60), etf.Describe(want, 60))
		}
		ch, isChars := got.(term.Chars)
		switch {
		case c.chars == "" && isChars:
			t.Errorf("%s: decoded to Chars %q, want a plain term", c.name, ch)
		case c.chars != "" && (!isChars || string(ch) != c.chars):
			t.Errorf("%s: got %#v, want Chars %q", c.name, got, c.chars)
		}
		// The slice and stream decoders agree, and re-encoding gives
		// the bytes OTP would (the same as for the plain list).
		sv, err := etf.NewDecoder(bytes.NewReader(c.in), nil).Decode()
		if err != nil || !term.ExactEqual(sv, got) {
			t.Errorf("%s: stream decoder gave %v, %v", c.name, sv, err)
		}
		enc, err := etf.Marshal(got)
		if err != nil {
			t.Fatalf("%s: encode: %v", c.name, err)
		}
		plainEnc, _ := etf.Marshal(corpus.Expand(got))
		if !bytes.Equal(enc, plainEnc) {
			t.Errorf("%s: Chars encodes as %x, the plain list as %x", c.name, enc, plainEnc)
		}
	}
}

// TestCharsByteListExt decodes LIST_EXT byte lists of every length
// around the decoder's buffer sizes (OTP sends STRING_EXT up to 65535
// elements, but a peer may send LIST_EXT for any length).
func TestCharsByteListExt(t *testing.T) {
	for _, n := range []int{1, 31, 32, 33, 34, 63, 64, 65, 66, 127, 255, 256, 257, 511, 512, 513, 1000} {
		for _, high := range []bool{false, true} {
			var elems [][]byte
			want := make(term.List, n)
			for i := range n {
				c := byte('a' + i%26)
				if high && i%3 == 0 {
					c = byte(0x80 + i%128)
				}
				elems = append(elems, small(c))
				want[i] = term.Int(c)
			}
			got, err := etf.Unmarshal(listExt(nilExt, elems...))
			if err != nil {
				t.Fatalf("n=%d: %v", n, err)
			}
			if _, ok := got.(term.Chars); !ok || !term.ExactEqual(got, want) {
				t.Fatalf("n=%d high=%v: got %s", n, high, etf.Describe(got, 40))
			}
		}
	}
}

// TestCharsEncodeLikeList checks that a Chars encodes byte for byte as
// the List of its code points, at the STRING_EXT and code point limits,
// in both profiles.
func TestCharsEncodeLikeList(t *testing.T) {
	cases := []string{
		"a", "\x00", "hello", "héllo wörld ÿ", "日本語 🙂 ok", "\U0010FFFF", "\u00ff\u0100",
		strings.Repeat("x", 65535), strings.Repeat("x", 65536), strings.Repeat("é", 65535), strings.Repeat("é", 65536),
		strings.Repeat("x", 65535) + "日", strings.Repeat("\x7f\u0080", 40000),
	}
	for _, s := range cases {
		c := term.Chars(s)
		for _, opts := range []*etf.EncodeOptions{nil, {Profile: etf.ProfileAtomVM}, {Compress: true}} {
			got, err := etf.MarshalOptions(c, opts)
			if err != nil {
				t.Fatalf("%.20q: %v", s, err)
			}
			want, err := etf.MarshalOptions(term.String(s), opts)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%.20q (%d runes) %+v: Chars and List encodings differ", s, len([]rune(s)), opts)
			}
			back, err := etf.Unmarshal(got)
			if err != nil || !term.ExactEqual(back, c) {
				t.Errorf("%.20q: round trip: %v", s, err)
			}
			if _, ok := back.(term.Chars); !ok {
				t.Errorf("%.20q: decodes to %T, want the compact form", s, back)
			}
		}
	}
	tail := term.ImproperList{Elems: []term.Term{term.Chars("ab")}, Tail: term.Atom("t")}
	if b, err := etf.Marshal(tail); err != nil || !term.ExactEqual(mustUnmarshal(t, b), tail) {
		t.Errorf("[\"ab\"|t]: %v", err)
	}
	if b, _ := etf.Marshal(term.Chars("")); !bytes.Equal(b, []byte{131, etf.TagNil}) {
		t.Errorf("an empty Chars encodes as %x, want NIL_EXT", b)
	}
}

func mustUnmarshal(t *testing.T, b []byte) term.Term {
	t.Helper()
	v, err := etf.Unmarshal(b)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// hasChars reports whether t holds a term.Chars.
func hasChars(t term.Term) bool {
	switch v := t.(type) {
	case term.Chars:
		return true
	case term.List:
		for _, e := range v {
			if hasChars(e) {
				return true
			}
		}
	case term.ImproperList:
		for _, e := range v.Elems {
			if hasChars(e) {
				return true
			}
		}
		return hasChars(v.Tail)
	case term.Tuple:
		for _, e := range v {
			if hasChars(e) {
				return true
			}
		}
	case term.Map:
		for k, x := range v.All() {
			if hasChars(k) || hasChars(x) {
				return true
			}
		}
	case *term.Fun:
		if v != nil {
			for _, e := range v.Free {
				if hasChars(e) {
					return true
				}
			}
		}
	}
	return false
}

// TestOTPConformanceCompact sends OTP the encodings of the compact form
// of every corpus term that has lists of code points (corpus.Compact,
// the form our decoder produces): binary_to_term must give a term =:= to
// the one the Erlang source builds, in both profiles, and OTP's own
// encodings must decode to a term =:= to the compact form.
func TestOTPConformanceCompact(t *testing.T) {
	n := erltest.Start(t, erltest.Options{Modules: map[string]string{"etf_conf": confModule}})
	var records []byte
	var sent []corpus.Entry
	for _, e := range corpus.Entries() {
		c := corpus.Compact(e.Term)
		if !hasChars(c) {
			continue
		}
		if !term.ExactEqual(c, e.Term) {
			t.Fatalf("%s: compact form is not =:= the term", e.Label)
		}
		expr, err := corpus.Erlang(e.Term)
		if err != nil {
			t.Fatalf("%s: %v", e.Label, err)
		}
		ours, err := etf.Marshal(c)
		if err != nil {
			t.Fatalf("%s: encode: %v", e.Label, err)
		}
		if plainEnc, _ := etf.Marshal(corpus.Expand(c)); !bytes.Equal(ours, plainEnc) {
			t.Errorf("%s: the compact form encodes differently from the plain one", e.Label)
		}
		avm, err := etf.MarshalOptions(c, &etf.EncodeOptions{Profile: etf.ProfileAtomVM})
		records = appendRecord(records, expr, ours, avm, err == nil)
		sent = append(sent, corpus.Entry{Label: e.Label, Term: c})
	}
	if len(sent) < 100 {
		t.Fatalf("only %d corpus terms hold lists of code points", len(sent))
	}
	res := runConf(t, n, records)
	if len(res) != len(sent) {
		t.Fatalf("got %d results for %d terms", len(res), len(sent))
	}
	failures := 0
	for i, r := range res {
		e := sent[i]
		if r.evalErr != "" {
			t.Errorf("%s: the Erlang source did not evaluate: %s", e.Label, r.evalErr)
			failures++
		}
		if r.ours != 1 || (r.avm != 1 && r.avm != 2) {
			t.Errorf("%s: OTP binary_to_term of the compact form: %s / AtomVM profile %s", e.Label, sameMeaning(r.ours), sameMeaning(r.avm))
			failures++
		}
		for v, b := range r.otpEncoded {
			got, err := etf.Unmarshal(b)
			if err != nil || !term.ExactEqual(got, e.Term) {
				t.Errorf("%s: OTP's %s decodes to %s (%v)", e.Label, variantNames[v], etf.Describe(got, 60), err)
				failures++
			}
		}
		if failures > 30 {
			t.Fatal("too many failures")
		}
	}
	t.Logf("%d compact-form terms checked on %s", len(sent), n.Name)
}

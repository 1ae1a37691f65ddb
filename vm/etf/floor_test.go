package etf_test

import (
	"math/big"
	"runtime"
	"strings"
	"testing"

	"github.com/avmsh/avmsh/vm/etf"
	"github.com/avmsh/avmsh/vm/term"
)

// copyTerm builds a fresh copy of a decoded term, making the same heap
// objects the decoder makes (element arrays, interface boxes, string and
// binary data, bignum words) without reading any bytes: the allocation
// floor of decoding that term.
func copyTerm(t term.Term) term.Term {
	switch v := t.(type) {
	case term.Int:
		return v
	case term.Float:
		return v
	case term.Chars:
		return term.Chars(strings.Clone(string(v)))
	case term.Binary:
		return term.Binary(append([]byte(nil), v...))
	case term.Bitstring:
		return term.Bitstring{Data: append([]byte(nil), v.Data...), Bits: v.Bits}
	case term.Tuple:
		out := make(term.Tuple, len(v))
		for i, e := range v {
			out[i] = copyTerm(e)
		}
		return out
	case term.List:
		if len(v) == 0 {
			return v
		}
		out := make(term.List, len(v))
		for i, e := range v {
			out[i] = copyTerm(e)
		}
		return out
	case term.ImproperList:
		out := make([]term.Term, len(v.Elems))
		for i, e := range v.Elems {
			out[i] = copyTerm(e)
		}
		return term.ImproperList{Elems: out, Tail: copyTerm(v.Tail)}
	case term.Map:
		kv := make([]term.KV, 0, v.Len())
		for k, x := range v.All() {
			kv = append(kv, term.KV{Key: copyTerm(k), Value: copyTerm(x)})
		}
		m, _ := term.NewMapUnique(kv)
		return m
	case term.BigInt:
		w := append([]big.Word(nil), v.V.Bits()...)
		return term.BigInt{V: new(big.Int).SetBits(w)}
	case term.Pid:
		return v
	case term.Port:
		return v
	case term.Ref:
		return v
	case term.ExportFun:
		return v
	case *term.Fun:
		f := *v
		f.Free = make([]term.Term, len(v.Free))
		for i, e := range v.Free {
			f.Free[i] = copyTerm(e)
		}
		return &f
	}
	return t // atoms are interned: the decoder allocates none
}

// BenchmarkDecodeFloor compares decoding OTP's encodings with copying
// the decoded terms (copyTerm): the copy makes the same objects and
// reads nothing, so it is what the term model costs before any parsing.
func BenchmarkDecodeFloor(b *testing.B) {
	bins := otpEncodings(b)
	for _, c := range []struct {
		name string
		keep func(int) bool
	}{
		{"corpus", func(int) bool { return true }},
		{"small", func(n int) bool { return n < 256 }},
		{"medium", func(n int) bool { return n >= 256 && n < 16<<10 }},
	} {
		var sel [][]byte
		var ts []term.Term
		for _, x := range bins {
			if c.keep(len(x)) {
				t, err := etf.Unmarshal(x)
				if err != nil {
					b.Fatal(err)
				}
				sel = append(sel, x)
				ts = append(ts, t)
			}
		}
		b.Run(c.name+"/decode", func(b *testing.B) { benchDecodeBins(b, sel, func(int) bool { return true }) })
		b.Run(c.name+"/copy", func(b *testing.B) {
			runtime.GC()
			b.ReportAllocs()
			for b.Loop() {
				for _, t := range ts {
					sink = copyTerm(t)
				}
			}
		})
	}
}

var sink term.Term

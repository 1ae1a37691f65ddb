package etf_test

import (
	"runtime"
	"testing"

	"github.com/avmsh/avmsh/internal/corpus"
	"github.com/avmsh/avmsh/vm/etf"
	"github.com/avmsh/avmsh/vm/term"
)

func corpusEncodings(b *testing.B) [][]byte {
	var out [][]byte
	for _, e := range corpus.Entries() {
		enc, err := etf.Marshal(e.Term)
		if err != nil {
			b.Fatal(err)
		}
		out = append(out, enc)
	}
	return out
}

func benchDecode(b *testing.B, keep func(int) bool) {
	var bins [][]byte
	size := 0
	for _, x := range corpusEncodings(b) {
		if keep(len(x)) {
			bins = append(bins, x)
			size += len(x)
		}
	}
	opts := &etf.DecodeOptions{Atoms: etf.NewAtomTable(0)}
	runtime.GC() // only the encodings stay live, as in a node's reader
	b.SetBytes(int64(size))
	b.ReportAllocs()
	for b.Loop() {
		for _, x := range bins {
			if _, _, err := etf.Decode(x, 0, opts); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkDecodeCorpus decodes every corpus term once per iteration.
func BenchmarkDecodeCorpus(b *testing.B) { benchDecode(b, func(int) bool { return true }) }

// BenchmarkDecodeSmall decodes the corpus terms under 256 bytes, the
// size of typical distribution messages.
func BenchmarkDecodeSmall(b *testing.B) { benchDecode(b, func(n int) bool { return n < 256 }) }

// BenchmarkDecodeMedium decodes the corpus terms from 256 bytes to
// 16 KiB (bench/etf's "medium" row).
func BenchmarkDecodeMedium(b *testing.B) {
	benchDecode(b, func(n int) bool { return n >= 256 && n < 16<<10 })
}

// BenchmarkDecodeLarge decodes the corpus terms of 16 KiB and more.
func BenchmarkDecodeLarge(b *testing.B) { benchDecode(b, func(n int) bool { return n >= 16<<10 }) }

// BenchmarkEncodeCorpus encodes every corpus term once per iteration.
func BenchmarkEncodeCorpus(b *testing.B) {
	es := corpus.Entries()
	size := 0
	for _, x := range corpusEncodings(b) {
		size += len(x)
	}
	b.SetBytes(int64(size))
	b.ReportAllocs()
	var buf []byte
	for b.Loop() {
		for _, e := range es {
			var err error
			if buf, err = etf.AppendTerm(buf[:0], e.Term, nil); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkEncodeDecoded encodes every corpus term as the decoder gives
// it (strings and byte lists as term.Chars), as bench/etf's encode rows
// and a node relaying what it received do.
func BenchmarkEncodeDecoded(b *testing.B) {
	var ts []term.Term
	size := 0
	for _, x := range corpusEncodings(b) {
		t, err := etf.Unmarshal(x)
		if err != nil {
			b.Fatal(err)
		}
		ts = append(ts, t)
		size += len(x)
	}
	b.SetBytes(int64(size))
	b.ReportAllocs()
	var buf []byte
	for b.Loop() {
		for _, t := range ts {
			var err error
			if buf, err = etf.AppendTerm(buf[:0], t, nil); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkEncodeAtomVM encodes the corpus terms AtomVM can take with
// the AtomVM-safe profile.
func BenchmarkEncodeAtomVM(b *testing.B) {
	opts := &etf.EncodeOptions{Profile: etf.ProfileAtomVM}
	var ok []corpus.Entry
	for _, e := range corpus.Entries() {
		if _, err := etf.MarshalOptions(e.Term, opts); err == nil {
			ok = append(ok, e)
		}
	}
	b.ReportAllocs()
	var buf []byte
	for b.Loop() {
		for _, e := range ok {
			var err error
			if buf, err = etf.AppendTerm(buf[:0], e.Term, opts); err != nil {
				b.Fatal(err)
			}
		}
	}
}

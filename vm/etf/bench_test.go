package etf_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/avmsh/avmsh/internal/corpus"
	"github.com/avmsh/avmsh/internal/erltest"
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

// otpEncodings returns OTP's own encodings of the corpus terms
// (term_to_binary on a real node, as bench/etf decodes): atoms in
// Latin-1 where they fit, maps of more than 32 keys in hash order.
func otpEncodings(b *testing.B) [][]byte {
	var in []byte
	for _, x := range corpusEncodings(b) {
		in = binary.BigEndian.AppendUint32(in, uint32(len(x)))
		in = append(in, x...)
	}
	path := filepath.Join(b.TempDir(), "corpus.bin")
	if err := os.WriteFile(path, in, 0o644); err != nil {
		b.Fatal(err)
	}
	n := erltest.Start(b, erltest.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	r, err := n.Call(ctx, fmt.Sprintf(`{ok, AvmshIn} = file:read_file(%q),
		AvmshSplit = fun S(<<L:32, B:L/binary, R/binary>>, Acc) -> S(R, [B | Acc]); S(<<>>, Acc) -> lists:reverse(Acc) end,
		[term_to_binary(binary_to_term(B)) || B <- AvmshSplit(AvmshIn, [])]`, path))
	if err != nil {
		b.Fatal(err)
	}
	t, err := etf.Unmarshal(r.ETF)
	if err != nil {
		b.Fatal(err)
	}
	l, _ := term.AsList(t)
	out := make([][]byte, len(l))
	for i, x := range l {
		out[i] = x.(term.Binary)
	}
	return out
}

// BenchmarkDecodeOTP decodes OTP's encodings of the corpus, by bench/etf's
// size classes: what a node receives from BEAM peers.
func BenchmarkDecodeOTP(b *testing.B) {
	bins := otpEncodings(b)
	for _, c := range []struct {
		name string
		keep func(int) bool
	}{
		{"corpus", func(int) bool { return true }},
		{"small", func(n int) bool { return n < 256 }},
		{"medium", func(n int) bool { return n >= 256 && n < 16<<10 }},
		{"large", func(n int) bool { return n >= 16<<10 }},
	} {
		b.Run(c.name, func(b *testing.B) { benchDecodeBins(b, bins, c.keep) })
	}
}

func benchDecode(b *testing.B, keep func(int) bool) {
	benchDecodeBins(b, corpusEncodings(b), keep)
}

func benchDecodeBins(b *testing.B, all [][]byte, keep func(int) bool) {
	var bins [][]byte
	size := 0
	for _, x := range all {
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

package etf_test

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/avmsh/avmsh/internal/corpus"
	"github.com/avmsh/avmsh/vm/etf"
	"github.com/avmsh/avmsh/vm/term"
)

// fuzzSeeds adds a spread of corpus encodings (every type, both
// profiles, compressed) to the committed seeds in testdata/fuzz.
func fuzzSeeds(f *testing.F) {
	entries := corpus.Entries()
	for i := 0; i < len(entries); i += 23 {
		for _, opts := range []*etf.EncodeOptions{nil, {Compress: true}, {Profile: etf.ProfileAtomVM}} {
			if b, err := etf.MarshalOptions(entries[i].Term, opts); err == nil && len(b) < 4096 {
				f.Add(b)
			}
		}
	}
}

// FuzzDecode feeds arbitrary bytes to the slice decoder and to the
// streaming decoder. Neither may panic; they must agree; and whatever
// decodes must re-encode and decode back to an exactly equal term.
func FuzzDecode(f *testing.F) {
	fuzzSeeds(f)
	cache := []term.Atom{"cached", "ok"}
	f.Fuzz(func(t *testing.T, in []byte) {
		opts := &etf.DecodeOptions{MaxSize: 1 << 20, MaxDepth: 200, AtomCache: cache}
		v, n, err := etf.Decode(in, 0, opts)
		sv, serr := etf.NewDecoder(bytes.NewReader(in), &etf.DecodeOptions{MaxSize: 1 << 20, MaxDepth: 200, AtomCache: cache}).Decode()
		if err != nil {
			var de *etf.DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("error is %T, not *DecodeError: %v", err, err)
			}
			if de.Offset < 0 || de.Offset > len(in) {
				t.Fatalf("error offset %d outside input of %d bytes", de.Offset, len(in))
			}
			if serr == nil {
				t.Fatalf("slice decoder failed (%v), stream decoder decoded %s", err, etf.Describe(sv, 60))
			}
			return
		}
		if n <= 0 || n > len(in) {
			t.Fatalf("consumed %d of %d bytes", n, len(in))
		}
		// LOCAL_EXT runs to the end of its input, so a stream cannot
		// delimit it; the stream decoder must say so, not guess.
		var sde *etf.DecodeError
		localExt := errors.As(serr, &sde) && sde.Tag == etf.TagLocal
		if serr != nil && !localExt && !errors.Is(serr, etf.ErrLimit) && !errors.Is(serr, io.ErrUnexpectedEOF) {
			t.Fatalf("slice decoder decoded %s, stream decoder failed: %v", etf.Describe(v, 60), serr)
		}
		if serr == nil && !term.ExactEqual(v, sv) {
			t.Fatalf("decoders disagree: %s vs %s", etf.Describe(v, 60), etf.Describe(sv, 60))
		}
		// The compact lists (term.Chars) the decoder made are the same
		// terms as their plain Lists, and encode to the same bytes.
		plain := corpus.Expand(v)
		if !term.ExactEqual(v, plain) || term.Compare(v, plain) != 0 {
			t.Fatalf("%s is not =:= its plain form", etf.Describe(v, 60))
		}
		checkListViews(t, v)
		b, err := etf.MarshalOptions(v, &etf.EncodeOptions{MaxDepth: 400})
		if err != nil {
			return // e.g. a term the encoder refuses by policy; never a panic
		}
		if pb, err := etf.MarshalOptions(plain, &etf.EncodeOptions{MaxDepth: 400}); err != nil || !bytes.Equal(b, pb) {
			t.Fatalf("%s encodes differently from its plain form (%v)", etf.Describe(v, 60), err)
		}
		w, err := etf.UnmarshalOptions(b, &etf.DecodeOptions{MaxDepth: 400})
		if err != nil {
			t.Fatalf("re-encoding of %s does not decode: %v", etf.Describe(v, 60), err)
		}
		if !term.ExactEqual(v, w) {
			t.Fatalf("round trip changed %s into %s", etf.Describe(v, 60), etf.Describe(w, 60))
		}
	})
}

// FuzzAtomVMProfile checks that whatever the AtomVM-safe encoder emits
// uses only tags AtomVM decodes (spec §2.6–2.7).
func FuzzAtomVMProfile(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, in []byte) {
		v, _, err := etf.Decode(in, 0, &etf.DecodeOptions{MaxSize: 1 << 20, MaxDepth: 100})
		if err != nil {
			return
		}
		b, err := etf.MarshalOptions(v, &etf.EncodeOptions{Profile: etf.ProfileAtomVM})
		if err != nil {
			if !errors.Is(err, etf.ErrUnsupported) && !errors.Is(err, etf.ErrLimit) {
				t.Fatalf("AtomVM profile refused %s with %v (want ErrUnsupported)", etf.Describe(v, 60), err)
			}
			return
		}
		w, err := etf.Unmarshal(b)
		if err != nil || !term.ExactEqual(v, w) {
			t.Fatalf("AtomVM encoding of %s does not round-trip: %v", etf.Describe(v, 60), err)
		}
	})
}

// checkListViews checks the list helpers of package term on a decoded
// list against its plain form.
func checkListViews(t *testing.T, v term.Term) {
	n, ok := term.ListLen(v)
	l, ok2 := term.AsList(v)
	if ok != ok2 || len(l) != n {
		t.Fatalf("ListLen %d,%v vs AsList %d,%v", n, ok, len(l), ok2)
	}
	i := 0
	for j, e := range term.ListElems(v) {
		if j != i || !term.ExactEqual(e, l[i]) {
			t.Fatalf("ListElems yields %s at %d, want %s", etf.Describe(e, 20), j, etf.Describe(l[i], 20))
		}
		i++
	}
	if i != len(l) {
		t.Fatalf("ListElems yields %d of %d elements", i, len(l))
	}
	if h, tl, ok := term.Uncons(v); ok && ok2 {
		if !term.ExactEqual(h, l[0]) || !term.ExactEqual(tl, l[1:]) {
			t.Fatalf("Uncons gives %s | %s", etf.Describe(h, 20), etf.Describe(tl, 40))
		}
	}
}

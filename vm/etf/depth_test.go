package etf_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/avmsh/avmsh/vm/etf"
	"github.com/avmsh/avmsh/vm/term"
)

// TestDepthErrorIsTyped: a term too deep to decode or encode fails with a
// *DepthError that says which limit was hit and in which direction, so
// that callers (the node, the CLI) can tell it from a broken peer.
func TestDepthErrorIsTyped(t *testing.T) {
	nested := func(levels int) []byte {
		return cat([]byte{131}, bytes.Repeat([]byte{104, 1}, levels), []byte{106})
	}
	cases := []struct {
		name  string
		in    []byte
		opts  *etf.DecodeOptions
		limit int
	}{
		{"default limit", nested(etf.DefaultMaxDepth + 1), nil, etf.DefaultMaxDepth},
		{"configured limit", nested(51), &etf.DecodeOptions{MaxDepth: 50}, 50},
		{"inside a compressed term", compressedTerm(51*2+1, cat(bytes.Repeat([]byte{104, 1}, 51), []byte{106})), &etf.DecodeOptions{MaxDepth: 50}, 50},
	}
	for _, c := range cases {
		_, _, err := etf.Decode(c.in, 0, c.opts)
		var de *etf.DepthError
		if !errors.As(err, &de) || de.Limit != c.limit || de.Encode {
			t.Fatalf("%s: got %v (%#v), want a decode *DepthError with limit %d", c.name, err, de, c.limit)
		}
		if !errors.Is(err, etf.ErrLimit) {
			t.Errorf("%s: %v does not match ErrLimit", c.name, err)
		}
		if !strings.Contains(err.Error(), "levels") {
			t.Errorf("%s: message does not give the limit: %v", c.name, err)
		}
	}
	if _, _, err := etf.Decode(nested(50), 0, &etf.DecodeOptions{MaxDepth: 50}); err != nil {
		t.Fatalf("50 levels within a limit of 50: %v", err)
	}

	var deep term.Term = term.Int(1)
	for range 21 {
		deep = term.Tuple{deep}
	}
	_, err := etf.MarshalOptions(deep, &etf.EncodeOptions{MaxDepth: 20})
	var de *etf.DepthError
	if !errors.As(err, &de) || de.Limit != 20 || !de.Encode || !errors.Is(err, etf.ErrLimit) {
		t.Fatalf("encode: got %v, want an encode *DepthError with limit 20", err)
	}
	if !strings.Contains(err.Error(), "20 levels") {
		t.Errorf("encode message does not give the limit: %v", err)
	}
	if _, err := etf.MarshalOptions(deep, &etf.EncodeOptions{MaxDepth: 21}); err != nil {
		t.Fatalf("21 levels within a limit of 21: %v", err)
	}
}

package etf

import (
	"errors"
	"fmt"

	"github.com/avmsh/avmsh/vm/term"
)

// Sentinel causes wrapped by *DecodeError and *EncodeError; test them
// with errors.Is.
var (
	// ErrTruncated: the input ends before the term does.
	ErrTruncated = errors.New("input ends inside the term")
	// ErrLimit: a configured limit (size, depth) was exceeded.
	ErrLimit = errors.New("limit exceeded")
	// ErrInvalid: the bytes are not a valid encoding.
	ErrInvalid = errors.New("invalid encoding")
	// ErrUnsupported: the term cannot be represented for the chosen
	// profile or peer.
	ErrUnsupported = errors.New("not representable")
)

// DepthError is the cause (the Err of a *DecodeError or *EncodeError) when
// a term nests deeper than the limit in force: DecodeOptions.MaxDepth or
// EncodeOptions.MaxDepth, DefaultMaxDepth unless set. Callers recognise
// it with errors.As to say which limit was hit and that it can be
// raised; errors.Is(err, ErrLimit) holds for it too.
type DepthError struct {
	// Limit is the nesting limit that was exceeded.
	Limit int
	// Encode is true when encoding (our own term) and false when
	// decoding (a term that arrived).
	Encode bool
}

func (e *DepthError) Error() string {
	return fmt.Sprintf("the term nests deeper than %d levels", e.Limit)
}

// Is makes errors.Is(err, ErrLimit) true for a *DepthError.
func (e *DepthError) Is(target error) bool { return target == ErrLimit }

// DecodeError reports why decoding failed and where.
type DecodeError struct {
	// Offset is the position in the input of the item that failed
	// (usually its tag byte). For a compressed term it is the offset of
	// the COMPRESSED tag; Msg then gives the offset inside the inflated
	// data.
	Offset int
	// Tag is the tag being decoded, or 0 when the failure is not inside
	// a tagged item.
	Tag byte
	// Msg says what is wrong.
	Msg string
	// Err is the cause: ErrTruncated, ErrLimit, a *DepthError, ErrInvalid
	// or an I/O or zlib error.
	Err error
}

func (e *DecodeError) Error() string {
	where := fmt.Sprintf("at offset %d", e.Offset)
	if e.Tag != 0 {
		where = fmt.Sprintf("in %s at offset %d", TagName(e.Tag), e.Offset)
	}
	return fmt.Sprintf("etf: decode %s: %s", where, e.Msg)
}

// Unwrap returns the cause.
func (e *DecodeError) Unwrap() error { return e.Err }

// EncodeError reports a term that cannot be encoded.
type EncodeError struct {
	// Term is the offending (sub)term.
	Term term.Term
	// Reason says why, e.g. "BIT_BINARY_EXT is not decodable there".
	Reason string
	// AtomVM is set when the failure comes from the AtomVM-safe profile.
	AtomVM bool
	// Err is the cause: ErrUnsupported, a *DepthError or ErrInvalid.
	Err error
}

func (e *EncodeError) Error() string {
	d := Describe(e.Term, 60)
	if e.AtomVM {
		return fmt.Sprintf("etf: %s %s cannot be sent to an AtomVM peer: %s", kindWord(e.Term), d, e.Reason)
	}
	return fmt.Sprintf("etf: cannot encode %s %s: %s", kindWord(e.Term), d, e.Reason)
}

// Unwrap returns the cause.
func (e *EncodeError) Unwrap() error { return e.Err }

func kindWord(t term.Term) string {
	switch t.(type) {
	case term.Bitstring:
		return "bitstring"
	case term.Binary:
		return "binary"
	case term.Int, term.BigInt:
		return "integer"
	case term.Float:
		return "float"
	case *term.Fun, term.ExportFun:
		return "fun"
	case term.LocalExt:
		return "LOCAL_EXT term"
	case nil:
		return "nil term"
	}
	return term.KindOf(t).String()
}

package corpus

import (
	"encoding/hex"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/avmsh/avmsh/vm/term"
)

// Erlang returns Erlang source (an expression, no final dot) that
// evaluates to t on a real node, built independently of our ETF encoder:
// literals for numbers, atoms, binaries, lists, tuples and maps;
// erlang:make_fun/3 for export funs; and, for pids, ports, references and
// local funs (which have no literal syntax), binary_to_term of bytes
// spelled out field by field from erl_ext_dist. A term.LocalExt or a
// nil *term.Fun has no Erlang source and is an error.
func Erlang(t term.Term) (string, error) {
	var b strings.Builder
	if err := writeErl(&b, t, 0); err != nil {
		return "", err
	}
	return b.String(), nil
}

func writeErl(b *strings.Builder, t term.Term, depth int) error {
	switch v := t.(type) {
	case term.Atom:
		b.WriteString(erlAtom(string(v)))
	case term.Int:
		fmt.Fprintf(b, "(%d)", int64(v))
	case term.BigInt:
		fmt.Fprintf(b, "(%s)", v.V.String())
	case term.Float:
		b.WriteString(erlFloat(float64(v)))
	case term.Binary:
		b.WriteString(erlBinary(v))
	case term.Bitstring:
		last := v.Data[len(v.Data)-1] >> (8 - v.Bits)
		fmt.Fprintf(b, "<<(%s)/binary, %d:%d>>", erlBinary(v.Data[:len(v.Data)-1]), last, v.Bits)
	case term.List:
		if s, ok := bytesOf(v); ok && len(v) > 16 {
			fmt.Fprintf(b, "binary_to_list(%s)", erlBinary(s))
			return nil
		}
		return writeList(b, v, nil, depth)
	case term.ImproperList:
		return writeList(b, v.Elems, v.Tail, depth)
	case term.Chars:
		return writeErl(b, v.List(), depth)
	case term.Tuple:
		b.WriteByte('{')
		for i, x := range v {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := writeErl(b, x, depth+1); err != nil {
				return err
			}
		}
		b.WriteByte('}')
	case term.Map:
		b.WriteString("#{")
		for i, kv := range v.Pairs() {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := writeErl(b, kv.Key, depth+1); err != nil {
				return err
			}
			b.WriteString(" => ")
			if err := writeErl(b, kv.Value, depth+1); err != nil {
				return err
			}
		}
		b.WriteByte('}')
	case term.Pid:
		fmt.Fprintf(b, "binary_to_term(<<131,88,%s,%d:32,%d:32,%d:32>>)", erlNode(v.Node), v.ID, v.Serial, v.Creation)
	case term.Port:
		fmt.Fprintf(b, "binary_to_term(<<131,120,%s,%d:64,%d:32>>)", erlNode(v.Node), v.ID, v.Creation)
	case term.Ref:
		ids := v.IDs()
		fmt.Fprintf(b, "binary_to_term(<<131,90,%d:16,%s,%d:32", len(ids), erlNode(v.Node), v.Creation)
		for _, w := range ids {
			fmt.Fprintf(b, ",%d:32", w)
		}
		b.WriteString(">>)")
	case term.ExportFun:
		fmt.Fprintf(b, "erlang:make_fun(%s,%s,%d)", erlAtom(string(v.Module)), erlAtom(string(v.Function)), v.Arity)
	case *term.Fun:
		if v == nil {
			return fmt.Errorf("corpus: nil *term.Fun has no Erlang source")
		}
		return writeFun(b, v, depth)
	default:
		return fmt.Errorf("corpus: %s has no Erlang source", Label(t))
	}
	return nil
}

// writeFun spells out NEW_FUN_EXT (erl_ext_dist): Size counts itself and
// everything after it; the free variables and the creator pid are
// encoded by OTP's own term_to_binary.
func writeFun(b *strings.Builder, f *term.Fun, depth int) error {
	strip := func(expr string) string {
		return "(element(2, split_binary(term_to_binary(" + expr + "), 1)))/binary"
	}
	var pid strings.Builder
	if err := writeErl(&pid, f.Pid, depth+1); err != nil {
		return err
	}
	b.WriteString("(fun() -> AvmshFunBody = <<")
	fmt.Fprintf(b, "%d, %s, %d:32, %d:32, %s, %s, %s, %s",
		f.Arity, erlBinary(f.Uniq[:])+"/binary", f.Index, len(f.Free), erlNode(f.Module),
		strip(strconv.Itoa(int(f.OldIndex))), strip(strconv.Itoa(int(f.OldUniq))), strip(pid.String()))
	for _, x := range f.Free {
		var fv strings.Builder
		if err := writeErl(&fv, x, depth+1); err != nil {
			return err
		}
		b.WriteString(", " + strip(fv.String()))
	}
	b.WriteString(">>, binary_to_term(<<131, 112, (byte_size(AvmshFunBody) + 4):32, AvmshFunBody/binary>>) end)()")
	return nil
}

func writeList(b *strings.Builder, elems []term.Term, tail term.Term, depth int) error {
	b.WriteByte('[')
	for i, x := range elems {
		if i > 0 {
			b.WriteByte(',')
		}
		if err := writeErl(b, x, depth+1); err != nil {
			return err
		}
	}
	if tail != nil {
		if !term.IsNil(tail) {
			b.WriteByte('|')
			if err := writeErl(b, tail, depth+1); err != nil {
				return err
			}
		}
	}
	b.WriteByte(']')
	return nil
}

func bytesOf(l term.List) ([]byte, bool) {
	out := make([]byte, len(l))
	for i, x := range l {
		v, ok := x.(term.Int)
		if !ok || v < 0 || v > 255 {
			return nil, false
		}
		out[i] = byte(v)
	}
	return out, true
}

func erlBinary(p []byte) string {
	if len(p) <= 16 {
		var b strings.Builder
		b.WriteString("<<")
		for i, c := range p {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strconv.Itoa(int(c)))
		}
		b.WriteString(">>")
		return b.String()
	}
	return `binary:decode_hex(<<"` + hex.EncodeToString(p) + `">>)`
}

// erlAtom writes an atom as a quoted ASCII literal, or with
// list_to_atom/1 over its code points when it is not ASCII.
func erlAtom(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			ascii = false
		}
	}
	if !ascii {
		var b strings.Builder
		b.WriteString("list_to_atom([")
		i := 0
		for _, r := range s {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strconv.Itoa(int(r)))
			i++
		}
		b.WriteString("])")
		return b.String()
	}
	var b strings.Builder
	b.WriteByte('\'')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\'' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20 || c == 0x7F:
			fmt.Fprintf(&b, "\\x{%x}", c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('\'')
	return b.String()
}

// erlNode is the bit-syntax segment list of a SMALL_ATOM_UTF8_EXT or
// ATOM_UTF8_EXT encoding of an atom (for node and module names).
func erlNode(a term.Atom) string {
	s := string(a)
	var bs strings.Builder
	for i := 0; i < len(s); i++ {
		if i > 0 {
			bs.WriteByte(',')
		}
		bs.WriteString(strconv.Itoa(int(s[i])))
	}
	if len(s) <= 255 {
		return fmt.Sprintf("119,%d,%s", len(s), nonEmpty(bs.String()))
	}
	return fmt.Sprintf("118,%d:16,%s", len(s), bs.String())
}

func nonEmpty(s string) string {
	if s == "" {
		return "(<<>>)/binary"
	}
	return s
}

// erlFloat writes a float literal that Erlang reads back exactly.
func erlFloat(f float64) string {
	if f == 0 {
		if math.Signbit(f) {
			return "(-0.0)"
		}
		return "0.0"
	}
	s := strconv.FormatFloat(math.Abs(f), 'e', -1, 64) // d[.ddd]e±XX
	mant, exp, _ := strings.Cut(s, "e")
	if !strings.Contains(mant, ".") {
		mant += ".0"
	}
	exp = strings.TrimPrefix(exp, "+")
	out := mant + "e" + exp
	if f < 0 {
		return "(-" + out + ")"
	}
	return out
}

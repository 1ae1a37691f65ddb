package eval

import (
	"math/big"

	"github.com/avmsh/avmsh/vm/erl/parse"
	"github.com/avmsh/avmsh/vm/erl/scan"
	"github.com/avmsh/avmsh/vm/term"
)

// evalBitsLine is the line of OTP 25's eval_bits:eval_exp_field/6 clause
// that builds a segment of each type, for stack traces like erl_eval's.
func evalBitsLine(bt bitType) int {
	endianIdx := map[string]int{"little": 0, "native": 1, "big": 2}[bt.endian]
	switch bt.typ {
	case "integer":
		base := 133 + 4*endianIdx
		if !bt.signed {
			base += 2
		}
		return base
	case "utf8":
		return 145
	case "utf16":
		return 147 + 2*endianIdx
	case "utf32":
		return 153 + 2*endianIdx
	case "float":
		return 159 + 2*endianIdx
	}
	return 172
}

// bsFail is the badarg (or system_limit) erl_eval raises when a segment
// cannot be built: a frame of eval_bits:eval_exp_field/6 whose error_info
// lets erl_erts_errors:format_bs_fail explain the cause.
func bsFail(reason term.Atom, pos int, bt bitType, kind term.Atom, val term.Term) *Exception {
	info := term.NewMap(
		term.KV{Key: term.Atom("cause"), Value: term.Tuple{term.Int(1), term.Atom(bt.typ), kind, val}},
		term.KV{Key: term.Atom("function"), Value: term.Atom("format_bs_fail")},
		term.KV{Key: term.Atom("module"), Value: term.Atom("erl_erts_errors")},
		term.KV{Key: term.Atom("override_segment_position"), Value: term.Int(pos)},
	)
	loc := append(srcLoc("eval_bits.erl", evalBitsLine(bt)), term.Tuple{term.Atom("error_info"), info})
	return &Exception{Class: ClassError, Reason: reason, Stack: term.List{
		term.Tuple{term.Atom("eval_bits"), term.Atom("eval_exp_field"), term.Int(6), loc},
		term.Tuple{term.Atom("eval_bits"), term.Atom("create_binary"), term.Int(2), srcLoc("eval_bits.erl", 77)},
		term.Tuple{term.Atom("eval_bits"), term.Atom("expr_grp"), term.Int(5), srcLoc("eval_bits.erl", 68)},
	}}
}

// strFrames inserts the frames of eval_bits's string comprehension.
func strFrames(exc *Exception) *Exception {
	st, ok := term.AsList(exc.Stack)
	if !ok || len(st) == 0 {
		return exc
	}
	out := term.List{st[0],
		term.Tuple{term.Atom("eval_bits"), term.Atom("-eval_field/5-lbc$^4/2-0-"), term.Int(10), srcLoc("eval_bits.erl", 93)},
		term.Tuple{term.Atom("eval_bits"), term.Atom("-eval_field/5-fun-5-"), term.Int(9), srcLoc("eval_bits.erl", 93)},
	}
	return &Exception{Class: exc.Class, Reason: exc.Reason, Stack: append(out, st[1:]...)}
}

// segment is an evaluated segment waiting to be built.
type segment struct {
	pos  int
	bt   bitType
	val  term.Term
	size term.Term // nil for the type's default
	// str marks a character of a typed string literal (erl_eval builds
	// those in a comprehension, which shows in its stack traces).
	str bool
	// check builds the segment only to validate it (an empty string
	// with a type: erl_eval still checks the size and type).
	check bool
	// text, when isText, is an untyped string literal: its characters
	// are bytes (c band 255), written at once (a huge literal stays
	// linear and never becomes a list).
	text   string
	isText bool
}

func (m *machine) binExpr(x *parse.Bin, env *Bindings) (term.Term, *Bindings, error) {
	var segs []segment
	for i, el := range x.Elems {
		bt, err := resolveBitType(el.Types, el.Size != nil)
		if err != nil {
			return nil, env, errorf(tag("bad_bit_type", term.Atom(err.Error())))
		}
		if lit, ok := el.Value.(*parse.Lit); ok {
			if lit.Kind == scan.String && len(el.Types) == 0 && el.Size == nil {
				segs = append(segs, segment{pos: i + 1, bt: bt, text: lit.Text, isText: true})
				continue
			}
			if s, isStr := term.AsList(lit.Value()); isStr && lit.Kind == scan.String {
				var size term.Term
				if el.Size != nil {
					size, env, err = m.expr(el.Size, env)
					if err != nil {
						return nil, env, err
					}
				}
				if len(s) == 0 {
					segs = append(segs, segment{pos: i + 1, bt: bt, val: term.Int(0), size: size, check: true})
					continue
				}
				for _, c := range s {
					segs = append(segs, segment{pos: i + 1, bt: bt, val: c, size: size, str: true})
				}
				continue
			}
		}
		v, env2, err := m.expr(el.Value, env)
		if err != nil {
			return nil, env, err
		}
		env = env2
		var size term.Term
		if el.Size != nil {
			size, env, err = m.expr(el.Size, env)
			if err != nil {
				return nil, env, err
			}
		}
		segs = append(segs, segment{pos: i + 1, bt: bt, val: v, size: size})
	}
	var w bitWriter
	for _, s := range segs {
		if s.isText {
			w.Grow(len(s.text) * 8)
			for _, c := range s.text {
				_ = w.WriteByte(byte(c))
			}
			if w.Len() > MaxBinaryBits {
				return nil, env, bsFail("system_limit", s.pos, bitType{typ: "binary", endian: "big"}, "size", term.Atom("binary"))
			}
			continue
		}
		if s.check {
			var tmp bitWriter
			if err := tmp.segment(s); err != nil {
				return nil, env, err
			}
			continue
		}
		if err := w.segment(s); err != nil {
			if exc, ok := err.(*Exception); ok && s.str {
				err = strFrames(exc)
			}
			return nil, env, err
		}
		if w.Len() > MaxBinaryBits {
			return nil, env, bsFail("system_limit", s.pos, bitType{typ: "binary", endian: "big"}, "size", term.Atom("binary"))
		}
	}
	return w.Term(), env, nil
}

// segBits computes the segment size in bits from size and unit.
func segBits(s segment) (int, *Exception) {
	size := s.size
	if size == nil {
		if s.bt.size == sizeAll {
			return sizeAll, nil
		}
		size = term.Int(s.bt.size)
	}
	if term.IsInteger(size) {
		if _, isBig := size.(term.BigInt); isBig || size.(term.Int) < 0 {
			if isBig && bigOf(size).Sign() > 0 {
				total := new(big.Int).Mul(bigOf(size), bigOf(term.Int(s.bt.unit)))
				return 0, bsFail("system_limit", s.pos, s.bt, "size", term.BigInteger(total))
			}
			total, _ := arith("*", size, term.Int(s.bt.unit))
			return 0, bsFail(atomBadarg, s.pos, s.bt, "size", total)
		}
		n := int64(size.(term.Int)) * int64(s.bt.unit)
		if n > MaxBinaryBits {
			return 0, bsFail("system_limit", s.pos, s.bt, "size", term.Int(n))
		}
		return int(n), nil
	}
	if size == term.Atom("all") && s.bt.typ == "binary" {
		return sizeAll, nil
	}
	// Size * Unit fails in eval_exp_field1 as a badarith of '*'.
	return 0, &Exception{Class: ClassError, Reason: atomBadarg, Stack: term.List{
		term.Tuple{term.Atom("erlang"), term.Atom("*"), term.List{size, term.Int(s.bt.unit)}, errInfoERTS()},
		term.Tuple{term.Atom("eval_bits"), term.Atom("eval_exp_field1"), term.Int(9), srcLoc("eval_bits.erl", 114)},
		term.Tuple{term.Atom("eval_bits"), term.Atom("create_binary"), term.Int(2), srcLoc("eval_bits.erl", 77)},
		term.Tuple{term.Atom("eval_bits"), term.Atom("expr_grp"), term.Int(5), srcLoc("eval_bits.erl", 68)},
	}}
}

func (w *bitWriter) segment(s segment) error {
	little := s.bt.endian != "big"
	switch s.bt.typ {
	case "integer":
		n, exc := segBits(s)
		if exc != nil {
			return exc
		}
		if !term.IsInteger(s.val) {
			return bsFail(atomBadarg, s.pos, s.bt, "type", s.val)
		}
		w.encodeInt(s.val, n, little)
	case "float":
		n, exc := segBits(s)
		if exc != nil {
			return exc
		}
		if !term.IsNumber(s.val) {
			return bsFail(atomBadarg, s.pos, s.bt, "type", s.val)
		}
		if n != 16 && n != 32 && n != 64 {
			return bsFail(atomBadarg, s.pos, s.bt, "invalid", term.Int(n))
		}
		f, ok := toFloat(s.val)
		if !ok || !w.encodeFloat(f, n, little) {
			return bsFail(atomBadarg, s.pos, s.bt, "no_float", s.val)
		}
	case "binary":
		data, have, ok := bitsOf(s.val)
		n, exc := segBits(s)
		if exc != nil {
			return exc
		}
		if !ok {
			return bsFail(atomBadarg, s.pos, s.bt, "type", s.val)
		}
		if n == sizeAll {
			if have%s.bt.unit != 0 {
				// eval_bits raises this one itself, without error_info.
				return &Exception{Class: ClassError, Reason: atomBadarg, Stack: term.List{
					term.Tuple{term.Atom("eval_bits"), term.Atom("eval_exp_field"), term.Int(6), srcLoc("eval_bits.erl", 169)},
					term.Tuple{term.Atom("eval_bits"), term.Atom("create_binary"), term.Int(2), srcLoc("eval_bits.erl", 77)},
					term.Tuple{term.Atom("eval_bits"), term.Atom("expr_grp"), term.Int(5), srcLoc("eval_bits.erl", 68)},
				}}
			}
			n = have
		}
		if have < n {
			return bsFail(atomBadarg, s.pos, s.bt, "short", s.val)
		}
		w.WriteBits(data, n)
	default: // utf8, utf16, utf32
		c, ok := validCodePoint(s.val)
		if !ok {
			return bsFail(atomBadarg, s.pos, s.bt, "type", s.val)
		}
		w.encodeUTF(c, s.bt.typ, little)
	}
	return nil
}

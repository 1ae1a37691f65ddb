package eval

import (
	"github.com/avmsh/avmsh/vm/erl/parse"
	"github.com/avmsh/avmsh/vm/erl/scan"
	"github.com/avmsh/avmsh/vm/term"
)

// segResult says how matching the segments of a binary pattern went.
type segResult uint8

const (
	segMatch   segResult = iota
	segNoMatch           // the bits were there but a value differed
	segDone              // not enough bits (or a bad size): no more
)

func scope(env, outer *Bindings) *Bindings {
	switch {
	case outer == nil:
		return env
	case env == nil:
		return outer
	}
	return overlay(outer, env)
}

func (m *machine) matchBin(x *parse.Bin, v term.Term, env, outer *Bindings) (*Bindings, bool, error) {
	data, nbits, ok := bitsOf(v)
	if !ok {
		return env, false, nil
	}
	env2, off, res, err := m.matchSegments(x.Elems, data, 0, nbits, env, outer)
	if err != nil || res != segMatch || off != nbits {
		return env, false, err
	}
	return env2, true, nil
}

// expandPattern turns string literals of a binary pattern into one
// segment per character, as erl_eval does.
func expandPattern(elems []parse.BinElem) []parse.BinElem {
	var out []parse.BinElem
	for _, el := range elems {
		lit, ok := el.Value.(*parse.Lit)
		if !ok || lit.Kind != scan.String {
			out = append(out, el)
			continue
		}
		for _, c := range term.ListElems(lit.Value()) {
			e := el
			e.Value = &parse.Lit{P: lit.P, Kind: scan.Char, Val: c}
			out = append(out, e)
		}
	}
	return out
}

// matchSegments matches segments from bit offset off and returns the
// bindings and the offset after the last segment.
func (m *machine) matchSegments(elems []parse.BinElem, data []byte, off, nbits int, env, outer *Bindings) (*Bindings, int, segResult, error) {
	res := segMatch
	start := env
	for _, el := range expandPattern(elems) {
		bt, err := resolveBitType(el.Types, el.Size != nil)
		if err != nil {
			return env, off, segDone, nil
		}
		n := 0
		switch {
		case bt.size == sizeNone:
		case el.Size == nil:
			n = bt.size
		default:
			sz, _, err := m.expr(el.Size, scope(env, outer))
			if err != nil {
				if _, isExc := AsException(err); isExc {
					return env, off, segDone, nil
				}
				return env, off, segDone, err
			}
			if sz == term.Atom("all") && bt.typ == "binary" {
				n = sizeAll
				break
			}
			iv, ok := sz.(term.Int)
			if !ok || iv < 0 || int64(iv)*int64(bt.unit) > MaxBinaryBits {
				return env, off, segDone, nil
			}
			n = int(iv) * bt.unit
		}
		little := bt.endian != "big"
		var val term.Term
		switch bt.typ {
		case "integer":
			if nbits-off < n {
				return env, off, segDone, nil
			}
			val = decodeInt(data, off, n, little, bt.signed)
			off += n
		case "float":
			if nbits-off < n {
				return env, off, segDone, nil
			}
			f, ok := decodeFloat(data, off, n, little)
			off += n
			if !ok {
				res = segNoMatch
				continue
			}
			val = term.Float(f)
		case "binary":
			if n == sizeAll {
				n = nbits - off
				if n%bt.unit != 0 {
					return env, off, segDone, nil
				}
			}
			if nbits-off < n {
				return env, off, segDone, nil
			}
			val = subBits(data, off, n)
			off += n
		default:
			c, used, ok := decodeUTF(data, off, nbits, bt.typ, little)
			if !ok {
				return env, off, segDone, nil
			}
			val = term.Int(c)
			off += used
		}
		if res == segNoMatch {
			continue
		}
		var ok bool
		env2, ok, err := m.matchSegValue(el.Value, val, env, outer)
		if err != nil {
			return env, off, segDone, err
		}
		if !ok {
			res = segNoMatch
			continue
		}
		env = env2
	}
	if res != segMatch {
		return start, off, res, nil
	}
	return env, off, segMatch, nil
}

func (m *machine) matchSegValue(p parse.Expr, v term.Term, env, outer *Bindings) (*Bindings, bool, error) {
	switch x := p.(type) {
	case *parse.Var, *parse.Lit:
		return m.match(x, v, env, outer)
	}
	if c, ok := constPattern(p); ok {
		return env, term.CompareExact(c, v) == 0, nil
	}
	return m.match(p, v, env, outer)
}

package eval

import (
	"github.com/avmsh/avmsh/vm/erl/parse"
	"github.com/avmsh/avmsh/vm/term"
)

// comprehension evaluates [E || Quals] and <<E || Quals>>.
func (m *machine) comprehension(x *parse.Comp, env *Bindings) (term.Term, *Bindings, error) {
	var list []term.Term
	var w bitWriter
	emit := func(inner *Bindings) error {
		v, _, err := m.expr(x.Elem, inner)
		if err != nil {
			return err
		}
		if !x.Bin {
			list = append(list, v)
			return nil
		}
		data, n, ok := bitsOf(v)
		if !ok {
			// erl_eval appends the element with <<Acc/bitstring, V/bitstring>>;
			// the failing frame is erl_eval's own (trimmed when printed).
			info := term.NewMap(
				term.KV{Key: term.Atom("cause"), Value: term.Tuple{term.Int(1), term.Atom("binary"), term.Atom("type"), v}},
				term.KV{Key: term.Atom("function"), Value: term.Atom("format_bs_fail")},
				term.KV{Key: term.Atom("module"), Value: term.Atom("erl_erts_errors")})
			return &Exception{Class: ClassError, Reason: atomBadarg, Stack: term.List{
				term.Tuple{term.Atom("erl_eval"), term.Atom("eval_bc1"), term.Int(7),
					term.List{term.Tuple{term.Atom("error_info"), info}}}}}
		}
		w.WriteBits(data, n)
		if w.Len() > MaxBinaryBits {
			return errorf(term.Atom("system_limit"))
		}
		return nil
	}
	if err := m.quals(x.Quals, env, emit); err != nil {
		return nil, env, err
	}
	if x.Bin {
		return w.Term(), env, nil
	}
	return term.List(list), env, nil
}

func (m *machine) quals(qs []parse.Expr, env *Bindings, emit func(*Bindings) error) error {
	if len(qs) == 0 {
		return emit(env)
	}
	if err := m.tick(); err != nil {
		return err
	}
	switch q := qs[0].(type) {
	case *parse.Generator:
		src, _, err := m.expr(q.X, env)
		if err != nil {
			return err
		}
		if q.Bin {
			return m.binGenerator(q, src, qs[1:], env, emit)
		}
		for {
			head, rest, ok := term.Uncons(src)
			if !ok {
				if n, isList := term.ListLen(src); isList && n == 0 {
					return nil
				}
				return errorf(tag("bad_generator", src))
			}
			src = rest
			fresh, ok, err := m.match(q.Pat, head, nil, env)
			if err != nil {
				return err
			}
			if ok {
				if err := m.quals(qs[1:], overlay(env, fresh), emit); err != nil {
					return err
				}
			}
		}
	default:
		f := qs[0]
		if IsGuardTest(f) {
			ok, err := m.guard([][]parse.Expr{{f}}, env)
			if err != nil || !ok {
				return err
			}
			return m.quals(qs[1:], env, emit)
		}
		v, env2, err := m.expr(f, env)
		if err != nil {
			return err
		}
		switch v {
		case term.True:
			return m.quals(qs[1:], env2, emit)
		case term.False:
			return nil
		}
		return errorf(tag("bad_filter", v))
	}
}

func (m *machine) binGenerator(q *parse.Generator, src term.Term, rest []parse.Expr, env *Bindings, emit func(*Bindings) error) error {
	data, nbits, ok := bitsOf(src)
	if !ok {
		return errorf(tag("bad_generator", src))
	}
	pat, ok := q.Pat.(*parse.Bin)
	if !ok {
		return errorf(tag("bad_generator", src))
	}
	off := 0
	for off < nbits || len(pat.Elems) == 0 {
		if err := m.tick(); err != nil {
			return err
		}
		fresh, next, res, err := m.matchSegments(pat.Elems, data, off, nbits, nil, env)
		if err != nil {
			return err
		}
		if res == segDone || next == off {
			return nil
		}
		off = next
		if res == segMatch {
			if err := m.quals(rest, overlay(env, fresh), emit); err != nil {
				return err
			}
		}
	}
	return nil
}

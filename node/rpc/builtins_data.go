package rpc

import (
	"github.com/avmsh/avmsh/vm/etf"
	"github.com/avmsh/avmsh/vm/term"
)

// registerDataBuiltins registers pure erlang functions of their
// arguments that scripts (and link checks: "does a 900 KiB binary get
// through?") call on an avmsh node: byte_size/1, length/1,
// tuple_size/1, term_to_binary/1 and binary_to_term/1.
func registerDataBuiltins(reg *Registry) {
	reg.Register("erlang", "byte_size", 1, func(_ *CallContext, a []term.Term) (term.Term, error) {
		switch b := a[0].(type) {
		case term.Binary:
			return term.Int(len(b)), nil
		case term.Bitstring:
			return term.Int(len(b.Data)), nil // the partial last byte counts, as in OTP
		}
		return nil, Badarg()
	})
	reg.Register("erlang", "length", 1, func(_ *CallContext, a []term.Term) (term.Term, error) {
		if n, ok := term.ListLen(a[0]); ok {
			return term.Int(n), nil
		}
		return nil, Badarg()
	})
	reg.Register("erlang", "tuple_size", 1, func(_ *CallContext, a []term.Term) (term.Term, error) {
		if t, ok := a[0].(term.Tuple); ok {
			return term.Int(len(t)), nil
		}
		return nil, Badarg()
	})
	reg.Register("erlang", "term_to_binary", 1, func(_ *CallContext, a []term.Term) (term.Term, error) {
		b, err := etf.Marshal(a[0])
		if err != nil {
			return nil, Badarg()
		}
		return term.Binary(b), nil
	})
	reg.Register("erlang", "binary_to_term", 1, func(_ *CallContext, a []term.Term) (term.Term, error) {
		b, ok := a[0].(term.Binary)
		if !ok {
			return nil, Badarg()
		}
		v, err := etf.Unmarshal(b)
		if err != nil {
			return nil, Badarg()
		}
		return v, nil
	})
}

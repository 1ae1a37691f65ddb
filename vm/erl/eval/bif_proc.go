package eval

import (
	"github.com/avmsh/avmsh/vm/term"
)

// shellRaise is an exception raised by erlang:error/exit/throw called
// from the shell: OTP's shell calls them through shell:apply_fun/3, whose
// frame is on top of the stack trace.
func shellRaise(class term.Atom, reason term.Term) *Exception {
	return &Exception{Class: class, Reason: reason, Stack: term.List{
		term.Tuple{term.Atom("shell"), term.Atom("apply_fun"), term.Int(3), srcLoc("shell.erl", 912)}}}
}

func procBIFs() map[bifKey]bifFunc {
	return map[bifKey]bifFunc{
		{"self", 0}: func(m *machine, _ []term.Term) (term.Term, error) { return m.ev.host.Self(), nil },
		{"node", 0}: func(m *machine, _ []term.Term) (term.Term, error) {
			if t, ok := m.ev.host.(TargetHost); ok {
				return t.Target(), nil
			}
			return m.ev.host.Self().Node, nil
		},
		{"node", 1}: func(_ *machine, a []term.Term) (term.Term, error) {
			switch v := a[0].(type) {
			case term.Pid:
				return v.Node, nil
			case term.Port:
				return v.Node, nil
			case term.Ref:
				return v.Node, nil
			}
			return nil, badarg("node", a)
		},
		{"throw", 1}: func(_ *machine, a []term.Term) (term.Term, error) { return nil, shellRaise(ClassThrow, a[0]) },
		{"exit", 1}:  func(_ *machine, a []term.Term) (term.Term, error) { return nil, shellRaise(ClassExit, a[0]) },
		{"error", 1}: func(_ *machine, a []term.Term) (term.Term, error) { return nil, shellRaise(ClassError, a[0]) },
		{"error", 2}: func(_ *machine, a []term.Term) (term.Term, error) {
			switch a[1].(type) {
			case term.List, term.Chars, term.Atom:
			default:
				return nil, badarg("error", a)
			}
			return nil, shellRaise(ClassError, a[0])
		},
		{"error", 3}: func(_ *machine, a []term.Term) (term.Term, error) {
			switch a[1].(type) {
			case term.List, term.Chars, term.Atom:
			default:
				return nil, badarg("error", a)
			}
			opts, ok := term.AsList(a[2])
			if !ok {
				return nil, badarg("error", a)
			}
			var loc term.List
			for _, o := range opts {
				if t, ok := o.(term.Tuple); ok && len(t) == 2 && t[0] == term.Atom("error_info") {
					loc = term.List{t}
				}
			}
			if loc == nil {
				return nil, shellRaise(ClassError, a[0])
			}
			// erlang:error/3 puts the caller's frame with the arguments and
			// the error_info on top; the shell's caller is erl_eval.
			return nil, &Exception{Class: ClassError, Reason: a[0], Stack: term.List{term.Tuple{term.Atom("erl_eval"), term.Atom("do_apply"), a[1], loc}}}
		},
		{"apply", 2}: func(m *machine, a []term.Term) (term.Term, error) {
			args, ok := term.AsList(a[1])
			if !ok {
				return nil, badarg("apply", a)
			}
			return m.apply(a[0], args)
		},
		{"apply", 3}: func(m *machine, a []term.Term) (term.Term, error) {
			mod, ok1 := a[0].(term.Atom)
			fn, ok2 := a[1].(term.Atom)
			args, ok3 := term.AsList(a[2])
			if !ok3 {
				return nil, badarg("apply", a)
			}
			if !ok1 || !ok2 {
				return nil, errorf(tag("badfun", term.Tuple{a[0], a[1]}))
			}
			return m.callMFA(mod, fn, args)
		},
		{"put", 2}: func(m *machine, a []term.Term) (term.Term, error) {
			for i, kv := range m.ev.pdict {
				if term.CompareExact(kv.Key, a[0]) == 0 {
					old := kv.Value
					m.ev.pdict[i].Value = a[1]
					return old, nil
				}
			}
			m.ev.pdict = append(m.ev.pdict, term.KV{Key: a[0], Value: a[1]})
			return term.Undefined, nil
		},
		{"get", 1}: func(m *machine, a []term.Term) (term.Term, error) {
			for _, kv := range m.ev.pdict {
				if term.CompareExact(kv.Key, a[0]) == 0 {
					return kv.Value, nil
				}
			}
			return term.Undefined, nil
		},
		{"get", 0}: func(m *machine, _ []term.Term) (term.Term, error) {
			out := make(term.List, 0, len(m.ev.pdict))
			for i := len(m.ev.pdict) - 1; i >= 0; i-- {
				kv := m.ev.pdict[i]
				out = append(out, term.Tuple{kv.Key, kv.Value})
			}
			if len(out) == 0 {
				return term.Nil, nil
			}
			return out, nil
		},
		{"get_keys", 0}: func(m *machine, _ []term.Term) (term.Term, error) {
			out := make(term.List, 0, len(m.ev.pdict))
			for i := len(m.ev.pdict) - 1; i >= 0; i-- {
				out = append(out, m.ev.pdict[i].Key)
			}
			if len(out) == 0 {
				return term.Nil, nil
			}
			return out, nil
		},
		{"get_keys", 1}: func(m *machine, a []term.Term) (term.Term, error) {
			var out term.List
			for i := len(m.ev.pdict) - 1; i >= 0; i-- {
				if term.CompareExact(m.ev.pdict[i].Value, a[0]) == 0 {
					out = append(out, m.ev.pdict[i].Key)
				}
			}
			if len(out) == 0 {
				return term.Nil, nil
			}
			return out, nil
		},
		{"erase", 1}: func(m *machine, a []term.Term) (term.Term, error) {
			for i, kv := range m.ev.pdict {
				if term.CompareExact(kv.Key, a[0]) == 0 {
					m.ev.pdict = append(m.ev.pdict[:i:i], m.ev.pdict[i+1:]...)
					return kv.Value, nil
				}
			}
			return term.Undefined, nil
		},
		{"erase", 0}: func(m *machine, _ []term.Term) (term.Term, error) {
			out := make(term.List, 0, len(m.ev.pdict))
			for i := len(m.ev.pdict) - 1; i >= 0; i-- {
				kv := m.ev.pdict[i]
				out = append(out, term.Tuple{kv.Key, kv.Value})
			}
			m.ev.pdict = nil
			if len(out) == 0 {
				return term.Nil, nil
			}
			return out, nil
		},
	}
}

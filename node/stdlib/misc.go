package stdlib

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/avmsh/avmsh/node/rpc"
	"github.com/avmsh/avmsh/vm/term"
)

// timeUnit converts a duration in nanoseconds to an erlang:time_unit().
func timeUnit(ns int64, unit term.Term) (term.Term, bool) {
	switch unit {
	case term.Atom("second"), term.Atom("seconds"):
		return term.Int(ns / 1e9), true
	case term.Atom("millisecond"), term.Atom("milli_seconds"):
		return term.Int(ns / 1e6), true
	case term.Atom("microsecond"), term.Atom("micro_seconds"):
		return term.Int(ns / 1e3), true
	case term.Atom("nanosecond"), term.Atom("nano_seconds"), term.Atom("native"):
		return term.Int(ns), true
	}
	if i, ok := unit.(term.Int); ok && i > 0 { // parts per second
		return term.Int(ns / (1e9 / min(int64(i), 1e9))), true
	}
	return nil, false
}

func registerMisc(reg *rpc.Registry) {
	reg.Register("timer", "sleep", 1, func(c *rpc.CallContext, a []term.Term) (term.Term, error) {
		var d time.Duration
		switch t := a[0].(type) {
		case term.Int:
			if t < 0 {
				return nil, fc("timer", "sleep", a)
			}
			d = time.Duration(min(int64(t), int64(time.Duration(1<<62)/time.Millisecond))) * time.Millisecond
		case term.Atom:
			if t != "infinity" {
				return nil, fc("timer", "sleep", a)
			}
			d = 1 << 62
		default:
			return nil, fc("timer", "sleep", a)
		}
		tm := time.NewTimer(d)
		defer tm.Stop()
		select {
		case <-tm.C:
			return term.Atom("ok"), nil
		case <-c.Context().Done():
			return nil, c.Context().Err()
		}
	})
	start := time.Now()
	nowNs := func() int64 { return time.Now().UnixNano() }
	monoNs := func() int64 { return int64(time.Since(start)) - int64(1<<59) } // negative, like BEAM's
	timeFn := func(mod, name term.Atom, ns func() int64) {
		reg.Register(mod, name, 0, func(*rpc.CallContext, []term.Term) (term.Term, error) { return term.Int(ns()), nil })
		reg.Register(mod, name, 1, func(_ *rpc.CallContext, a []term.Term) (term.Term, error) {
			if v, ok := timeUnit(ns(), a[0]); ok {
				return v, nil
			}
			return nil, badarg(mod, name, a)
		})
	}
	timeFn("erlang", "system_time", nowNs)
	timeFn("os", "system_time", nowNs)
	timeFn("erlang", "monotonic_time", monoNs)
	timestamp := func(*rpc.CallContext, []term.Term) (term.Term, error) {
		us := time.Now().UnixMicro()
		return term.Tuple{term.Int(us / 1e12), term.Int(us / 1e6 % 1e6), term.Int(us % 1e6)}, nil
	}
	reg.Register("erlang", "timestamp", 0, timestamp)
	reg.Register("os", "timestamp", 0, timestamp)
	registerString(reg)
	registerRaise(reg)
}

// stringArg returns a flat character list or a UTF-8 binary as text.
func stringArg(t term.Term) (string, bool) {
	switch v := t.(type) {
	case term.Binary:
		return string(v), utf8.Valid(v)
	case term.List, term.Chars:
		return term.CharList(v)
	}
	return "", false
}

// sameKind returns s as the kind of string orig was (binary or list).
func sameKind(orig term.Term, s string) term.Term {
	if _, ok := orig.(term.Binary); ok {
		return term.Binary(s)
	}
	return term.String(s)
}

func registerString(reg *rpc.Registry) {
	s := func(name term.Atom, f func(in string, orig term.Term) term.Term) {
		reg.Register("string", name, 1, func(_ *rpc.CallContext, a []term.Term) (term.Term, error) {
			in, ok := stringArg(a[0])
			if !ok {
				return nil, fc("string", name, a)
			}
			return f(in, a[0]), nil
		})
	}
	s("length", func(in string, _ term.Term) term.Term { return term.Int(utf8.RuneCountInString(in)) })
	s("uppercase", func(in string, o term.Term) term.Term { return sameKind(o, strings.ToUpper(in)) })
	s("lowercase", func(in string, o term.Term) term.Term { return sameKind(o, strings.ToLower(in)) })
	s("trim", func(in string, o term.Term) term.Term { return sameKind(o, strings.TrimSpace(in)) })
	s("is_empty", func(in string, _ term.Term) term.Term { return term.Bool(in == "") })
	s("reverse", func(in string, o term.Term) term.Term {
		r := []rune(in)
		for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
			r[i], r[j] = r[j], r[i]
		}
		return term.String(string(r))
	})
}

// registerRaise adds erlang:raise/3, which scripts use to rethrow.
func registerRaise(reg *rpc.Registry) {
	reg.Register("erlang", "raise", 3, func(_ *rpc.CallContext, a []term.Term) (term.Term, error) {
		class, ok := a[0].(term.Atom)
		if !ok || (class != "error" && class != "exit" && class != "throw") {
			return nil, badarg("erlang", "raise", a)
		}
		if !term.IsProperList(a[2]) {
			return nil, badarg("erlang", "raise", a)
		}
		return nil, &rpc.Exception{Class: class, Reason: a[1], Stack: a[2]}
	})
}

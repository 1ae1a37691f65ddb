package stdlib

import (
	"github.com/avmsh/avmsh/node/rpc"
	"github.com/avmsh/avmsh/vm"
	"github.com/avmsh/avmsh/vm/iolib"
	"github.com/avmsh/avmsh/vm/syntax"
	"github.com/avmsh/avmsh/vm/term"
)

// ioDevice resolves an io device argument: standard_io (and user and
// standard_error, which avmsh has no separate processes for) is the
// caller's group leader; a pid or a registered name is itself.
func ioDevice(c *rpc.CallContext, dev term.Term) (term.Term, bool) {
	switch d := dev.(type) {
	case term.Atom:
		switch d {
		case "standard_io", "user", "standard_error":
			return c.GroupLeader, true
		}
		return d, true
	case term.Pid:
		return d, true
	}
	return nil, false
}

// ioRequest runs one request of Erlang's I/O protocol against dev (the
// io module's own way: monitor, {io_request, Self, Ref, Req}, wait for
// {io_reply, Ref, Reply} or the device's DOWN). A dead device answers
// {error, terminated}, as io does.
func ioRequest(c *rpc.CallContext, dev, req term.Term) (term.Term, error) {
	p := c.Process
	ref, err := p.Monitor(dev)
	if err != nil {
		return term.Tuple{term.Atom("error"), term.Atom("terminated")}, nil
	}
	defer p.Demonitor(ref, true)
	if err := p.Send(dev, term.Tuple{term.Atom("io_request"), p.Self(), ref, req}); err != nil {
		return term.Tuple{term.Atom("error"), term.Atom("terminated")}, nil
	}
	m, err := p.Receive(c.Context(), func(m term.Term) bool {
		t, ok := m.(term.Tuple)
		return ok && len(t) >= 3 && (t[0] == term.Atom("io_reply") || t[0] == term.Atom("DOWN")) && t[1] == ref
	}, vm.Infinity)
	if err != nil {
		return nil, err
	}
	if t := m.(term.Tuple); t[0] == term.Atom("DOWN") {
		return term.Tuple{term.Atom("error"), term.Atom("terminated")}, nil
	}
	return m.(term.Tuple)[2], nil
}

// okOrBadarg turns an output request's reply into io's result: ok, or
// error:badarg raised in io:Fun(Args).
func okOrBadarg(reply term.Term, fun term.Atom, a []term.Term) (term.Term, error) {
	if reply == term.Atom("ok") {
		return reply, nil
	}
	return nil, badarg("io", fun, a)
}

func registerIO(reg *rpc.Registry) {
	format := func(fun term.Atom) {
		do := func(c *rpc.CallContext, dev, f, args term.Term, a []term.Term) (term.Term, error) {
			d, ok := ioDevice(c, dev)
			if !ok {
				return nil, badarg("io", fun, a)
			}
			req := term.Tuple{term.Atom("put_chars"), term.Atom("unicode"), term.Atom("io_lib"), term.Atom("format"), term.List{f, args}}
			reply, err := ioRequest(c, d, req)
			if err != nil {
				return nil, err
			}
			return okOrBadarg(reply, fun, a)
		}
		reg.Register("io", fun, 1, func(c *rpc.CallContext, a []term.Term) (term.Term, error) {
			return do(c, term.Atom("standard_io"), a[0], term.Nil, a)
		})
		reg.Register("io", fun, 2, func(c *rpc.CallContext, a []term.Term) (term.Term, error) {
			return do(c, term.Atom("standard_io"), a[0], a[1], a)
		})
		reg.Register("io", fun, 3, func(c *rpc.CallContext, a []term.Term) (term.Term, error) {
			return do(c, a[0], a[1], a[2], a)
		})
	}
	format("format")
	format("fwrite")
	putChars := func(c *rpc.CallContext, dev, chars term.Term, fun term.Atom, a []term.Term) (term.Term, error) {
		d, ok := ioDevice(c, dev)
		if !ok {
			return nil, badarg("io", fun, a)
		}
		reply, err := ioRequest(c, d, term.Tuple{term.Atom("put_chars"), term.Atom("unicode"), chars})
		if err != nil {
			return nil, err
		}
		return okOrBadarg(reply, fun, a)
	}
	reg.Register("io", "put_chars", 1, func(c *rpc.CallContext, a []term.Term) (term.Term, error) {
		return putChars(c, term.Atom("standard_io"), a[0], "put_chars", a)
	})
	reg.Register("io", "put_chars", 2, func(c *rpc.CallContext, a []term.Term) (term.Term, error) {
		return putChars(c, a[0], a[1], "put_chars", a)
	})
	reg.Register("io", "nl", 0, func(c *rpc.CallContext, a []term.Term) (term.Term, error) {
		return putChars(c, term.Atom("standard_io"), term.String("\n"), "nl", a)
	})
	reg.Register("io", "nl", 1, func(c *rpc.CallContext, a []term.Term) (term.Term, error) {
		return putChars(c, a[0], term.String("\n"), "nl", a)
	})
	getLine := func(c *rpc.CallContext, dev, prompt term.Term, a []term.Term) (term.Term, error) {
		d, ok := ioDevice(c, dev)
		if !ok {
			return nil, badarg("io", "get_line", a)
		}
		return ioRequest(c, d, term.Tuple{term.Atom("get_line"), term.Atom("unicode"), prompt})
	}
	reg.Register("io", "get_line", 1, func(c *rpc.CallContext, a []term.Term) (term.Term, error) {
		return getLine(c, term.Atom("standard_io"), a[0], a)
	})
	reg.Register("io", "get_line", 2, func(c *rpc.CallContext, a []term.Term) (term.Term, error) {
		return getLine(c, a[0], a[1], a)
	})
	reg.Register("io_lib", "format", 2, func(c *rpc.CallContext, a []term.Term) (term.Term, error) {
		s, err := iolib.FormatTerm(a[0], a[1], iolib.Options{Node: syntax.NodeContext{Local: c.Node.Name()}})
		if err != nil {
			return nil, badarg("io_lib", "format", a)
		}
		return term.String(s), nil
	})
}

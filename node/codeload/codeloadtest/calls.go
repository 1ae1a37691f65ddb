package codeloadtest

import (
	"fmt"

	"github.com/avmsh/avmsh/node/rpc"
	"github.com/avmsh/avmsh/vm/beam"
	"github.com/avmsh/avmsh/vm/term"
)

func (a *AtomVM) register(reg *rpc.Registry) {
	reg.Register("erlang", "system_info", 1, func(c *rpc.CallContext, args []term.Term) (term.Term, error) {
		a.record("erlang:system_info/1")
		switch args[0] {
		case term.Atom("machine"):
			return term.String("ATOM"), nil
		case term.Atom("atomvm_version"):
			return term.Binary(a.Version), nil
		case term.Atom("otp_release"):
			return term.String("27"), nil
		}
		return nil, rpc.Badarg()
	})
	reg.Register("code", "load_binary", 3, func(c *rpc.CallContext, args []term.Term) (term.Term, error) {
		mod, ok1 := args[0].(term.Atom)
		bin, ok2 := args[2].(term.Binary)
		if !ok1 || !ok2 {
			return nil, rpc.Badarg()
		}
		a.record("code:load_binary/3 " + string(mod))
		f, err := beam.Parse(bin)
		if err != nil {
			return a.abort(c, "error: buffer holding IFF is smaller than IFF size: "+fmt.Sprint(len(bin)))
		}
		for _, op := range f.Opcodes.List() {
			if op > liveMaxOpcode || contains(liveMissing, op) {
				return a.abort(c, fmt.Sprintf("missing opcode: %d", op))
			}
		}
		a.mu.Lock()
		a.loaded[string(mod)] = append([]byte(nil), bin...)
		a.mu.Unlock()
		return term.Tuple{term.Atom("module"), mod}, nil
	})
	reg.Register("erlang", "process_info", 2, func(c *rpc.CallContext, args []term.Term) (term.Term, error) {
		a.record("erlang:process_info/2")
		if args[1] != term.Atom("current_function") {
			return nil, rpc.Badarg()
		}
		if args[0] == c.Process.Self() {
			return nil, rpc.Badarg()
		}
		<-c.Context().Done() // AtomVM never answers
		return nil, c.Context().Err()
	})
}

func contains(s []int, v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

package rpc

import (
	"testing"

	"github.com/avmsh/avmsh/vm/term"
)

// TestUndefStack: AtomVM's undef from erpc's own apply names the missing
// function as OTP does; an undef raised deeper keeps its stack.
func TestUndefStack(t *testing.T) {
	mfa := MFA{Node: "avm@h", Module: "erlang", Function: "memory", Arity: 0}
	apply := term.Tuple{term.Atom("erlang"), term.Atom("apply"), term.Int(3), term.List{term.Tuple{term.Atom("line"), term.Int(436)}}}
	erpcFrame := term.Tuple{term.Atom("erpc"), term.Atom("execute_call"), term.Int(4), term.Nil}
	got := undefStack(mfa, nil, term.Atom("undef"), term.List{apply, erpcFrame})
	want := term.List{term.Tuple{term.Atom("erlang"), term.Atom("memory"), term.Nil, term.Nil}, erpcFrame}
	if !term.ExactEqual(got, want) {
		t.Fatalf("erpc's apply: %v, want %v", got, want)
	}
	deeper := term.List{apply, term.Tuple{term.Atom("mymod"), term.Atom("f"), term.Int(0), term.Nil}, erpcFrame}
	if got := undefStack(MFA{Module: "mymod", Function: "f"}, nil, term.Atom("undef"), deeper); !term.ExactEqual(got, deeper) {
		t.Fatalf("an undef inside the called function was rewritten: %v", got)
	}
	if got := undefStack(mfa, nil, term.Atom("badarg"), term.List{apply}); !term.ExactEqual(got, term.List{apply}) {
		t.Fatalf("a badarg was rewritten: %v", got)
	}
}

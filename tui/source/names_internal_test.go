package source

import (
	"fmt"
	"testing"

	"github.com/avmsh/avmsh/node/handshake"
)

// The real name of a node dialled under another comes from the
// handshake's typed error, not from its message: wrapping text that
// says "reached" (or a message worded otherwise) does not change it,
// and a name that is no node name is not taken.
func TestReachedName(t *testing.T) {
	nm := &handshake.NameMismatchError{Dialled: "app@h", Reached: "app@h.example.com"}
	for _, err := range []error{
		nm,
		&handshake.Error{Peer: "app@h", Stage: "challenge", Err: nm},
		fmt.Errorf("connect to app@h: %w (the node was reached over tcp 127.0.0.1:4370)", &handshake.Error{Peer: "app@h", Stage: "challenge", Err: nm}),
	} {
		if got, ok := reachedName(err); !ok || got != "app@h.example.com" {
			t.Errorf("%v: %q %v", err, got, ok)
		}
	}
	for _, err := range []error{
		nil,
		handshake.ErrNameMismatch,
		fmt.Errorf("reached x@h"),
		&handshake.NameMismatchError{Dialled: "app@h", Reached: "not a name"},
		&handshake.NameMismatchError{Dialled: "app@h", Reached: "x\x1b@h"},
	} {
		if got, ok := reachedName(err); ok {
			t.Errorf("%v: took %q", err, got)
		}
	}
}

package source_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/avmsh/avmsh/tui/source"
	"github.com/avmsh/avmsh/vm/term"
)

// sessionsOnly is a source of shells as the pane uses them: sessions
// only (package shellsession), no Eval beside them.
type sessionsOnly struct{}

func (sessionsOnly) RemoteShell(context.Context, term.Atom, source.Terminal) (source.RemoteShell, error) {
	return nil, nil
}

// The shell pane runs every shell through a session (RemoteShell); the
// old per-node Eval path, its shells map in Live and the fallback for
// sources without sessions are gone, so Shells is RemoteShell alone
// (a source with sessions only implements it).
func TestShellsAreSessions(t *testing.T) {
	var _ source.Shells = sessionsOnly{}
	st := reflect.TypeOf((*source.Shells)(nil)).Elem()
	if st.NumMethod() != 1 || st.Method(0).Name != "RemoteShell" {
		t.Fatalf("Shells has %d methods", st.NumMethod())
	}
	if _, ok := reflect.TypeOf(&source.Live{}).MethodByName("Eval"); ok {
		t.Fatal("Live still has Eval")
	}
}

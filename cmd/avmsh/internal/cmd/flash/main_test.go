package flashcmd

import (
	"fmt"
	"os"
	"testing"
)

// TestMain points the fleet state at a temporary directory, so that no
// test records flashes in the user's own ~/.local/state/avmsh.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "flashcmd-state")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Setenv("XDG_STATE_HOME", dir)
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

package main

import (
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestNotLinked: packages whose init runs in every avmsh process must
// not come back through a dependency (issue 16). Go runs the init of
// every linked package, so a package the one-shot commands never use
// costs each of them its init: atotto/clipboard's looked for xclip,
// xsel, wl-copy... on PATH (it came with bubbles' textinput, replaced by
// tui/lineinput).
func TestNotLinked(t *testing.T) {
	out, err := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	for _, p := range strings.Fields(string(out)) {
		switch p {
		case "github.com/atotto/clipboard", "github.com/charmbracelet/bubbles/textinput":
			t.Errorf("avmsh links %s", p)
		}
	}
}

package cmdutil

import (
	"runtime"
	"strings"
	"testing"
)

func TestVersionText(t *testing.T) {
	text := Build{Version: "v1.2.3", Commit: "0123abc", Date: "2026-01-02T03:04:05Z"}.VersionText()
	for _, want := range []string{"avmsh v1.2.3\n", "commit:       0123abc\n", "built:        2026-01-02T03:04:05Z\n",
		"go:           " + runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH + "\n",
		"protocol version 6", "external term format 131", "serial_dist"} {
		if !strings.Contains(text, want) {
			t.Errorf("--version lacks %q:\n%s", want, text)
		}
	}
	// Everything stamped (a release): kept as it is.
	stamped := Build{Version: "v1.2.3", Commit: "0123abc", Date: "2026-01-02T03:04:05Z"}
	if got := stamped.Resolve(); got != stamped {
		t.Errorf("stamped build resolved to %+v", got)
	}
	// Nothing stamped: the toolchain's build information, else "dev".
	b := Build{}.Resolve()
	if b.Version == "" {
		t.Fatalf("resolved version empty: %+v", b)
	}
	if text := (Build{Version: "dev"}).VersionText(); !strings.Contains(text, "commit:       unknown") {
		t.Errorf("unknown commit: %s", text)
	}
}

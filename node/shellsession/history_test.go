package shellsession

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestHistoryFile: entries (multi-line ones too) are appended to the
// file and read back; repeats and empty entries are not kept; past twice
// the limit the file is compacted.
func TestHistoryFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "history")
	h, err := OpenHistory(path, 3)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 8 {
		if err := h.Add(strings.Repeat("a", i+1) + "."); err != nil {
			t.Fatal(err)
		}
		_ = h.Add(strings.Repeat("a", i+1) + ".") // a repeat
	}
	_ = h.Add("  \n")
	if got := h.Entries(); len(got) != 3 || got[2] != "aaaaaaaa." {
		t.Fatalf("history %q", got)
	}
	raw, _ := os.ReadFile(path)
	if n := strings.Count(string(raw), "\n"); n > 6 {
		t.Fatalf("the file was not compacted: %d lines", n)
	}
	_ = h.Add("X = [1,\n2].")
	h2, err := OpenHistory(path, 3)
	if err != nil {
		t.Fatal(err)
	}
	if got := h2.Entries(); len(got) != 3 || got[2] != "X = [1,\n2]." {
		t.Fatalf("reloaded %q", got)
	}
	if i := h2.Search("aaa", 3); i != 1 || h2.Search("zz", 3) != -1 {
		t.Fatalf("search: %d", i)
	}
}

func TestDefaultHistoryFile(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"XDG_STATE_HOME": filepath.Join(dir, "state"), "HOME": dir}
	if got := DefaultHistoryFile(func(k string) string { return env[k] }); got != filepath.Join(dir, "state", "avmsh", "history") {
		t.Fatalf("XDG: %s", got)
	}
	env["XDG_STATE_HOME"] = "relative"
	if got := DefaultHistoryFile(func(k string) string { return env[k] }); got != filepath.Join(dir, ".local", "state", "avmsh", "history") {
		t.Fatalf("fallback: %s", got)
	}
	if got := DefaultHistoryFile(func(string) string { return "" }); got != "" {
		t.Fatalf("no home: %s", got)
	}
}

// FuzzHistory: escaping round-trips every entry, and any file content
// parses into at most limit entries.
func FuzzHistory(f *testing.F) {
	for _, s := range []string{"foo().", "X = [1,\n2].", `a\nb`, `\\`, "\\", "x\r\ny\n\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e := strings.ReplaceAll(s, "\r", "")
		if esc := escapeEntry(e); strings.Contains(esc, "\n") || unescapeEntry(esc) != e {
			t.Fatalf("entry %q escapes to %q", e, esc)
		}
		if got := parseHistory([]byte(s), 5); len(got) > 5 {
			t.Fatalf("%d entries", len(got))
		}
	})
}

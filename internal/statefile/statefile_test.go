package statefile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

func TestReadBounds(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state.json")
	if _, err := Read(path, 10); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("missing file: %v", err)
	}
	if err := os.WriteFile(path, []byte("0123456789"), 0o600); err != nil {
		t.Fatal(err)
	}
	if b, err := Read(path, 10); err != nil || string(b) != "0123456789" {
		t.Fatalf("at the bound: %q %v", b, err)
	}
	if b, err := Read(path, 9); !errors.Is(err, ErrTooLarge) || b != nil {
		t.Fatalf("over the bound: %q %v", b, err)
	}
}

func TestWriteReplacesAtomically(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state.json")
	for _, want := range []string{"one\n", "two\n"} {
		if err := Write(path, []byte(want)); err != nil {
			t.Fatal(err)
		}
		if b, _ := os.ReadFile(path); string(b) != want {
			t.Fatalf("got %q, want %q", b, want)
		}
	}
	if m, _ := filepath.Glob(path + ".tmp*"); len(m) != 0 {
		t.Fatalf("temporary files left: %v", m)
	}
	// A directory that is not there: an error, nothing written.
	if err := Write(filepath.Join(dir, "no", "state.json"), []byte("x")); err == nil {
		t.Fatal("write into a missing directory succeeded")
	}
	// A rename that fails (path is a non-empty directory): the
	// temporary file goes, the directory stays.
	busy := filepath.Join(dir, "busy")
	if err := os.MkdirAll(filepath.Join(busy, "x"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := Write(busy, []byte("x")); err == nil {
		t.Fatal("rename over a non-empty directory succeeded")
	}
	if m, _ := filepath.Glob(busy + ".tmp*"); len(m) != 0 {
		t.Fatalf("temporary files left after a failed rename: %v", m)
	}
}

func TestSetAsideNeverOverwrites(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state.json")
	if _, err := SetAside(path); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("missing file: %v", err)
	}
	for i, want := range []string{path + ".bad", path + ".bad.1", path + ".bad.2"} {
		content := []byte{'a' + byte(i)}
		if err := os.WriteFile(path, content, 0o600); err != nil {
			t.Fatal(err)
		}
		got, err := SetAside(path)
		if err != nil || got != want {
			t.Fatalf("copy %d: %q %v, want %q", i, got, err, want)
		}
		if b, _ := os.ReadFile(got); string(b) != string(content) {
			t.Fatalf("copy %d holds %q", i, b)
		}
	}
	if b, _ := os.ReadFile(path + ".bad"); string(b) != "a" {
		t.Fatalf("first copy overwritten: %q", b)
	}
}

func TestDir(t *testing.T) {
	env := map[string]string{}
	getenv := func(k string) string { return env[k] }
	home := func() (string, error) { return "/home/ada", nil }
	if d, err := Dir(getenv, home); err != nil || d != "/home/ada/.local/state/avmsh" {
		t.Fatalf("no XDG_STATE_HOME: %q %v", d, err)
	}
	env["XDG_STATE_HOME"] = "relative/state" // ignored, as the XDG spec says
	if d, _ := Dir(getenv, home); d != "/home/ada/.local/state/avmsh" {
		t.Fatalf("relative XDG_STATE_HOME: %q", d)
	}
	env["XDG_STATE_HOME"] = "/var/state"
	if d, _ := Dir(getenv, home); d != "/var/state/avmsh" {
		t.Fatalf("XDG_STATE_HOME: %q", d)
	}
	delete(env, "XDG_STATE_HOME")
	noHome := func() (string, error) { return "", errors.New("no home") }
	if _, err := Dir(getenv, noHome); err == nil {
		t.Fatal("no home and no XDG_STATE_HOME: no error")
	}
}

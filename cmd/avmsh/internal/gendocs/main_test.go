package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// docs/cli is what the command tree generates now: a command, flag or
// help text changed without regenerating fails here.
func TestCLIReferenceIsCurrent(t *testing.T) {
	fresh := t.TempDir()
	if err := generate(fresh, ""); err != nil {
		t.Fatal(err)
	}
	committed := filepath.Join("..", "..", "..", "..", "docs", "cli")
	want := mdFiles(t, fresh)
	got := mdFiles(t, committed)
	const fix = "regenerate it: go run ./cmd/avmsh/internal/gendocs (from the repository's root) and commit docs/cli"
	if !slices.Equal(got, want) {
		t.Fatalf("docs/cli has pages %q, the command tree %q: %s", got, want, fix)
	}
	for _, name := range want {
		a, _ := os.ReadFile(filepath.Join(fresh, name))
		b, _ := os.ReadFile(filepath.Join(committed, name))
		if string(a) != string(b) {
			t.Errorf("docs/cli/%s is stale: %s", name, fix)
		}
	}
}

func mdFiles(t *testing.T, dir string) []string {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(dir, "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range paths {
		names = append(names, filepath.Base(p))
	}
	slices.Sort(names)
	return names
}

// The man pages generate, one per command, with their options.
func TestManPages(t *testing.T) {
	dir := t.TempDir()
	if err := generate("", dir); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "avmsh-rpc.1"))
	if err != nil {
		t.Fatal(err)
	}
	page := string(b)
	for _, want := range []string{`.TH "AVMSH" "1"`, "avmsh-rpc", `\fB--output\fP`, "EXAMPLE", "SEE ALSO"} {
		if !strings.Contains(page, want) {
			t.Errorf("avmsh-rpc.1 lacks %q", want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "avmsh-plugin-new.1")); err != nil {
		t.Errorf("no page for a subcommand: %v", err)
	}
}

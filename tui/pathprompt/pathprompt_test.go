package pathprompt_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/avmsh/avmsh/tui/pathprompt"
)

// mapFS is a file system in memory for completion tests.
type mapFS struct{ fstest.MapFS }

func (m mapFS) ReadDir(dir string, _ int) ([]fs.DirEntry, error) { return fs.ReadDir(m.MapFS, dir) }
func (m mapFS) Home() (string, error)                            { return "home", nil }

func files() mapFS {
	f := &fstest.MapFile{}
	return mapFS{fstest.MapFS{
		"ebin/hello.beam":     f,
		"ebin/hello_sup.beam": f,
		"ebin/hello.app":      f,
		"ebin/.hidden.beam":   f,
		"src/hello.erl":       f,
		"home/app/x.beam":     f,
		"café/été.beam":       f,
		"café/étage.beam":     f,
	}}
}

func beams(name string) bool { return strings.HasSuffix(name, ".beam") }

func TestComplete(t *testing.T) {
	fsys := files()
	for _, c := range []struct {
		in, out string
		cands   []string
	}{
		{"e", "ebin/", nil},                                                // one directory
		{"ebin/hello_", "ebin/hello_sup.beam", nil},                        // one file
		{"ebin/h", "ebin/hello", []string{"hello.beam", "hello_sup.beam"}}, // .app is not offered
		{"ebin/.", "ebin/.hidden.beam", nil},                               // hidden only when asked
		{"ebin/x", "ebin/x", nil},                                          // nothing matches
		{"nodir/x", "nodir/x", nil},                                        // no such directory
		{"~/app/", "~/app/x.beam", nil},                                    // the home directory
		{"café/é", "café/ét", []string{"étage.beam", "été.beam"}},          // not cut inside a character
		{"", "", []string{"café/", "ebin/", "home/", "src/"}},
	} {
		out, cands, more := pathprompt.Complete(c.in, fsys, beams)
		if out != c.out || strings.Join(cands, " ") != strings.Join(c.cands, " ") || more != 0 {
			t.Errorf("Complete(%q) = %q %q %d, want %q %q", c.in, out, cands, more, c.out, c.cands)
		}
	}
}

// TestCompleteOS: the real file system, a symbolic link to a directory
// completes as a directory, and many matches are listed up to 50.
func TestCompleteOS(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "ebin"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(dir, "ebin"), filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	for i := range 60 {
		if err := os.WriteFile(filepath.Join(dir, "ebin", "m"+string(rune('a'+i/26))+string(rune('a'+i%26))+".beam"), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if out, _, _ := pathprompt.Complete(dir+"/li", pathprompt.OS{}, beams); out != dir+"/link/" {
		t.Fatalf("symlink: %q", out)
	}
	out, cands, more := pathprompt.Complete(dir+"/ebin/m", pathprompt.OS{}, beams)
	if out != dir+"/ebin/m" || len(cands) != 50 || more != 10 || cands[0] != "maa.beam" {
		t.Fatalf("60 files: %q %d %d", out, len(cands), more)
	}
}

func TestModel(t *testing.T) {
	m := pathprompt.New("path: ", "eb", files(), beams)
	m.Update(tea.KeyMsg{Type: tea.KeyTab})
	m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("h")})
	m.Update(tea.KeyMsg{Type: tea.KeyTab})
	if m.Value() != "ebin/hello" {
		t.Fatalf("value %q", m.Value())
	}
	m = pathprompt.New("path: ", "~/app/x.beam", files(), beams)
	if m.Value() != "home/app/x.beam" {
		t.Fatalf("~ expanded: %q", m.Value())
	}
}

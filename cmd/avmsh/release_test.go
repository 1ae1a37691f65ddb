//go:build release

// The release check runs after a goreleaser snapshot build (scripts/test
// does both):
//
//	go tool goreleaser build --snapshot --clean --single-target
//	AVMSH_DIST=$PWD/dist go test -tags release -run TestRelease ./cmd/avmsh
package main

import (
	"archive/tar"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

type artifact struct {
	Name   string `json:"name"`
	Path   string `json:"path"`
	Goos   string `json:"goos"`
	Goarch string `json:"goarch"`
	Type   string `json:"type"`
}

func dist(t *testing.T) (string, []artifact, map[string]string) {
	t.Helper()
	dir := os.Getenv("AVMSH_DIST")
	if dir == "" {
		t.Fatal("AVMSH_DIST is not set: run a goreleaser snapshot build first (see scripts/test)")
	}
	var arts []artifact
	b, err := os.ReadFile(filepath.Join(dir, "artifacts.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &arts); err != nil {
		t.Fatal(err)
	}
	var meta map[string]any
	b, err = os.ReadFile(filepath.Join(dir, "metadata.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &meta); err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	for k, v := range meta {
		if s, ok := v.(string); ok {
			m[k] = s
		}
	}
	return filepath.Dir(dir), arts, m
}

// The binary goreleaser built for this platform answers --version with
// the snapshot's version, the commit and its date, the Go version and
// the protocols it speaks.
func TestReleaseBinary(t *testing.T) {
	repo, arts, meta := dist(t)
	var bin string
	for _, a := range arts {
		if a.Type == "Binary" && a.Goos == runtime.GOOS && a.Goarch == runtime.GOARCH {
			bin = a.Path
		}
	}
	if bin == "" {
		t.Fatalf("no %s/%s binary in %+v", runtime.GOOS, runtime.GOARCH, arts)
	}
	if !filepath.IsAbs(bin) {
		bin = filepath.Join(repo, bin)
	}
	out, err := exec.Command(bin, "--version").CombinedOutput()
	if err != nil {
		t.Fatalf("%s --version: %v\n%s", bin, err, out)
	}
	head, err := exec.Command("git", "-C", repo, "rev-parse", "HEAD").Output()
	if err != nil {
		t.Fatal(err)
	}
	date, err := exec.Command("git", "-C", repo, "log", "-1", "--format=%cI").Output()
	if err != nil {
		t.Fatal(err)
	}
	text := string(out)
	for _, want := range []string{
		"avmsh " + meta["version"] + "\n",
		"commit:       " + strings.TrimSpace(string(head)) + "\n",
		"go:           " + runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH + "\n",
		"distribution: protocol version 6",
		"external term format 131",
		"serial (AtomVM's serial_dist)",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("--version lacks %q:\n%s", want, text)
		}
	}
	// The date is the commit's, in UTC (goreleaser's CommitDate).
	if !strings.Contains(text, "built:        ") || strings.Contains(text, "built:        unknown") || strings.Contains(text, "0001-01-01") {
		t.Errorf("--version has no build date (commit date %s):\n%s", strings.TrimSpace(string(date)), text)
	}
	// A pure Go binary: no interpreter, no shared libraries.
	if runtime.GOOS == "linux" {
		if out, err := exec.Command("file", bin).Output(); err == nil && !strings.Contains(string(out), "statically linked") {
			t.Errorf("not statically linked: %s", out)
		}
	}
}

// The archives of a full snapshot (`goreleaser release --snapshot`) hold
// the binary, README, LICENSE, the docs and the man pages, and match
// checksums.txt.
func TestReleaseArchives(t *testing.T) {
	repo, arts, _ := dist(t)
	sums := map[string]string{}
	for _, a := range arts {
		if a.Type != "Checksum" {
			continue
		}
		b, err := os.ReadFile(filepath.Join(repo, a.Path))
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			if sum, name, ok := strings.Cut(l, "  "); ok {
				sums[name] = sum
			}
		}
	}
	n := 0
	for _, a := range arts {
		if a.Type != "Archive" || !strings.HasSuffix(a.Path, ".tar.gz") {
			continue
		}
		n++
		path := filepath.Join(repo, a.Path)
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(b)
		if sums[a.Name] != hex.EncodeToString(sum[:]) {
			t.Errorf("%s: checksum %s, checksums.txt says %q", a.Name, hex.EncodeToString(sum[:]), sums[a.Name])
		}
		files := tarFiles(t, path)
		for _, want := range []string{"avmsh", "README.md", "LICENSE", "docs/architecture.md", "docs/embedding.md", "docs/plugins.md", "docs/cli/avmsh_rpc.md", "man/man1/avmsh.1", "man/man1/avmsh-rpc.1"} {
			if !files[want] {
				t.Errorf("%s lacks %s", a.Name, want)
			}
		}
	}
	if n == 0 {
		t.Fatalf("no .tar.gz archive in %s: run a snapshot release (goreleaser release --snapshot), not only a build", filepath.Join(repo, "dist"))
	}
	t.Logf("%d tar.gz archives checked", n)
}

func tarFiles(t *testing.T, path string) map[string]bool {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	z, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	r := tar.NewReader(z)
	files := map[string]bool{}
	for {
		h, err := r.Next()
		if err == io.EOF {
			return files
		}
		if err != nil {
			t.Fatal(err)
		}
		files[h.Name] = true
	}
}

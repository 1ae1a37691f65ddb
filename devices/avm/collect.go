package avm

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/avmsh/avmsh/vm/beam"
)

// MaxInputSize bounds one input file other than a .beam (whose bound is
// beam.MaxFileSize).
const MaxInputSize = 16 << 20

// ErrNothing is wrapped by the error for a directory with nothing to
// pack or load in it.
var ErrNothing = errors.New("nothing to pack")

// Collect expands the command-line arguments of `avmsh pack` and `avmsh
// load` into inputs, reading each file once (sizes are checked before
// reading). A file is taken as it is (its kind from its suffix, a plain
// file named by the path as given, as packbeam does). A directory may
// be:
//
//   - an ebin/ directory: its *.beam files in name order, then, if it
//     has a sibling priv/, that application's priv files;
//   - an application directory (with ebin/): the same;
//   - a rebar3 lib directory (_build/default/lib, whose subdirectories
//     are applications) or a project with _build/default/lib: every
//     application in name order.
//
// Priv files are named "App/priv/rel/path" as rebar3 atomvm packbeam
// names them (App is the application's directory name, or the name of
// the .app file in ebin/), in its order: a directory's files in name
// order, then its subdirectories, last first. Dot files are skipped.
func Collect(args []string) ([]Input, error) {
	var out []Input
	for _, a := range args {
		st, err := os.Stat(a)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", a, err)
		}
		if !st.IsDir() {
			in, err := readInput(a, a)
			if err != nil {
				return nil, err
			}
			out = append(out, in)
			continue
		}
		ins, err := collectDir(a)
		if err != nil {
			return nil, err
		}
		out = append(out, ins...)
	}
	return out, nil
}

func readInput(path, name string) (Input, error) {
	k := KindOf(path)
	limit := int64(MaxInputSize)
	if k == KindBEAM {
		limit = beam.MaxFileSize
	} else if k == KindAVM {
		limit = MaxSize
	}
	f, err := os.Open(path)
	if err != nil {
		return Input{}, err
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Size() > limit {
		return Input{}, fmt.Errorf("%s: %w: the file is %d bytes, more than the %d MiB accepted for a %s", path, ErrBadInput, st.Size(), limit>>20, kindName(k))
	}
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return Input{}, fmt.Errorf("%s: %w", path, err)
	}
	if int64(len(b)) > limit {
		return Input{}, fmt.Errorf("%s: %w: the file grew past %d MiB while it was read", path, ErrBadInput, limit>>20)
	}
	return Input{Kind: k, Name: name, Path: path, Data: b}, nil
}

func kindName(k Kind) string {
	switch k {
	case KindBEAM:
		return ".beam file"
	case KindAVM:
		return ".avm file"
	}
	return "plain file"
}

func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

func collectDir(dir string) ([]Input, error) {
	switch {
	case isDir(filepath.Join(dir, "_build", "default", "lib")):
		return collectLib(filepath.Join(dir, "_build", "default", "lib"))
	case isDir(filepath.Join(dir, "ebin")):
		return collectApp(filepath.Join(dir, "ebin"), filepath.Join(dir, "priv"), appName(dir))
	}
	beams, _ := filepath.Glob(filepath.Join(dir, "*.beam"))
	if len(beams) > 0 {
		parent := filepath.Dir(filepath.Clean(dir))
		priv := ""
		if filepath.Base(filepath.Clean(dir)) == "ebin" {
			priv = filepath.Join(parent, "priv")
		}
		return collectApp(dir, priv, appName(parent))
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		if e.IsDir() && isDir(filepath.Join(dir, e.Name(), "ebin")) {
			return collectLib(dir)
		}
	}
	return nil, fmt.Errorf("%s: %w: no .beam files, no ebin/ and no rebar3 _build/default/lib in it (compile first: erlc -o ebin src/*.erl, or rebar3 compile)", dir, ErrNothing)
}

// collectLib packs every application of a rebar3 lib directory.
func collectLib(lib string) ([]Input, error) {
	entries, err := os.ReadDir(lib)
	if err != nil {
		return nil, err
	}
	var out []Input
	for _, e := range entries {
		app := filepath.Join(lib, e.Name())
		if !isDir(filepath.Join(app, "ebin")) {
			continue
		}
		ins, err := collectApp(filepath.Join(app, "ebin"), filepath.Join(app, "priv"), appName(app))
		if err != nil && !errors.Is(err, ErrNothing) {
			return nil, err
		}
		out = append(out, ins...)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: %w: no application in it has .beam files (run rebar3 compile)", lib, ErrNothing)
	}
	return out, nil
}

// appName is the application's name: the .app file in ebin/, else the
// directory's name without a "-vsn" suffix.
func appName(appDir string) string {
	apps, _ := filepath.Glob(filepath.Join(appDir, "ebin", "*.app"))
	if len(apps) > 0 {
		slices.Sort(apps)
		return strings.TrimSuffix(filepath.Base(apps[0]), ".app")
	}
	base := filepath.Base(filepath.Clean(appDir))
	if i := strings.LastIndexByte(base, '-'); i > 0 {
		return base[:i]
	}
	return base
}

func collectApp(ebin, priv, app string) ([]Input, error) {
	beams, err := filepath.Glob(filepath.Join(ebin, "*.beam"))
	if err != nil {
		return nil, err
	}
	if len(beams) == 0 {
		return nil, fmt.Errorf("%s: %w: no .beam files in it", ebin, ErrNothing)
	}
	slices.Sort(beams)
	var out []Input
	for _, b := range beams {
		in, err := readInput(b, b)
		if err != nil {
			return nil, err
		}
		out = append(out, in)
	}
	if priv == "" || !isDir(priv) {
		return out, nil
	}
	files, err := privFiles(priv)
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		rel, err := filepath.Rel(priv, f)
		if err != nil {
			return nil, err
		}
		in, err := readInput(f, app+"/priv/"+filepath.ToSlash(rel))
		if err != nil {
			return nil, err
		}
		in.Kind = KindNormal // a .beam or .avm under priv/ is data
		out = append(out, in)
	}
	return out, nil
}

// privFiles lists a priv directory in rebar3 atomvm packbeam's order
// (get_all_files/1): regular files in name order, then the files of the
// subdirectories, the last subdirectory's first.
func privFiles(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var files, sub []string
	var subdirs []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			continue
		}
		p := filepath.Join(dir, e.Name())
		switch {
		case e.Type().IsRegular():
			files = append(files, p)
		case e.IsDir():
			subdirs = append(subdirs, p)
		}
	}
	for _, d := range subdirs {
		s, err := privFiles(d)
		if err != nil {
			return nil, err
		}
		sub = append(s, sub...)
	}
	return append(files, sub...), nil
}

package codeload

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/avmsh/avmsh/devices/avm"
	"github.com/avmsh/avmsh/vm/beam"
)

// Module is a checked module, ready to be sent.
type Module struct {
	Name string
	// Path is the file it was read from.
	Path string
	File *beam.File
	// Stripped is the module as packbeam stores it (what AtomVM gets).
	Stripped []byte
}

// ErrBadFiles is wrapped by Prepare's error: at least one file cannot be
// loaded, so none is.
var ErrBadFiles = errors.New("bad input files")

// PrepareError lists every file that cannot be loaded.
type PrepareError struct {
	Problems []string
}

func (e *PrepareError) Error() string {
	if len(e.Problems) == 1 {
		return e.Problems[0] + "\nnothing was loaded"
	}
	return fmt.Sprintf("%d files cannot be loaded, so nothing was:\n  %s", len(e.Problems), strings.Join(e.Problems, "\n  "))
}

// Unwrap returns ErrBadFiles.
func (e *PrepareError) Unwrap() error { return ErrBadFiles }

// Prepare reads the .beam files and directories given (see
// avm.Collect for what a directory may be; its priv files are not
// modules and are skipped) and checks every module before any is sent:
// a valid BEAM file, named after its module (a renamed copy would load
// under its real name on AtomVM and be refused by OTP), each module
// once. It returns every problem at once.
func Prepare(paths []string) ([]*Module, error) {
	ins, err := avm.Collect(paths)
	if err != nil {
		return nil, &PrepareError{Problems: []string{err.Error()}}
	}
	var mods []*Module
	var problems []string
	seen := map[string]string{}
	for _, in := range ins {
		if in.Kind != avm.KindBEAM {
			if in.Name == in.Path { // given on the command line, not a priv file
				problems = append(problems, fmt.Sprintf("%s: not a .beam file (load takes compiled modules: erlc %s)", in.Path, in.Path))
			}
			continue
		}
		m, err := prepareOne(in)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		if prev, ok := seen[m.Name]; ok {
			problems = append(problems, fmt.Sprintf("%s: module %s is also in %s; give each module once", m.Path, m.Name, prev))
			continue
		}
		seen[m.Name] = m.Path
		mods = append(mods, m)
	}
	if len(problems) > 0 {
		return nil, &PrepareError{Problems: problems}
	}
	if len(mods) == 0 {
		return nil, &PrepareError{Problems: []string{fmt.Sprintf("%s: no .beam files to load", strings.Join(paths, ", "))}}
	}
	return mods, nil
}

func prepareOne(in avm.Input) (*Module, error) {
	f, err := beam.Parse(in.Data)
	if err != nil {
		return nil, fmt.Errorf("%s: not a loadable BEAM file: %w", in.Path, err)
	}
	base := strings.TrimSuffix(filepath.Base(in.Path), ".beam")
	if base != f.Module {
		return nil, fmt.Errorf("%s: the file holds module %s, not %s (renamed?); rename it %s.beam or recompile", in.Path, f.Module, base, f.Module)
	}
	stripped, err := f.Strip(beam.StripOptions{})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", in.Path, err)
	}
	return &Module{Name: f.Module, Path: in.Path, File: f, Stripped: stripped}, nil
}

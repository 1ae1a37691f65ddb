package avm

import (
	"errors"
	"fmt"
	"strings"

	"github.com/avmsh/avmsh/vm/beam"
)

// Kind is what an input of Pack is, as packbeam decides it from the
// file name's suffix.
type Kind int

// Input kinds.
const (
	KindNormal Kind = iota // any other file: a plain (NORMAL) record
	KindBEAM               // *.beam: stripped, one module record
	KindAVM                // *.avm: its records are copied in
)

// KindOf classifies a path as packbeam_api:file_type/1 does.
func KindOf(path string) Kind {
	switch {
	case strings.HasSuffix(path, ".beam"):
		return KindBEAM
	case strings.HasSuffix(path, ".avm"):
		return KindAVM
	}
	return KindNormal
}

// Input is one file to pack.
type Input struct {
	Kind Kind
	// Name is the record name of a plain file: packbeam uses the path it
	// was given ("myapp/priv/config.json"). Ignored for modules, which
	// are named after the module ("mod.beam"), and for .avm inputs.
	Name string
	// Path is where the data came from, for messages.
	Path string
	Data []byte
}

// Options are packbeam's create options.
type Options struct {
	// Start names the start module: its record gets FlagStart and goes
	// first. Empty: every module exporting start/0 gets FlagStart, in
	// place (unless Lib).
	Start string
	// Lib packs a library: no record gets FlagStart.
	Lib bool
	// RemoveLines drops the Line chunk of each module.
	RemoveLines bool
}

// Entry is a packed record with what Pack learnt about it.
type Entry struct {
	Record
	// Beam is the parsed (original) module of a module record.
	Beam *beam.File
	// Source is the input the record came from.
	Source string
}

// Pack turns inputs into records exactly as packbeam_api:create/3
// (0.8.2) does, without pruning: each .beam is stripped (beam.Strip)
// and named after its module, with FlagBEAM|FlagStart if it is the start
// module or (without Start and Lib) exports start/0, else FlagBEAM; the
// records of each .avm are copied with their start flag adjusted to the
// options; any other file becomes a NORMAL record whose data is its
// length and contents. With Start, the start module's records are moved
// to the front (an error if there are none).
func Pack(inputs []Input, o Options) ([]Entry, error) {
	var out []Entry
	for _, in := range inputs {
		switch in.Kind {
		case KindBEAM:
			e, err := packBEAM(in, o)
			if err != nil {
				return nil, err
			}
			out = append(out, e)
		case KindAVM:
			es, err := packAVM(in, o)
			if err != nil {
				return nil, err
			}
			out = append(out, es...)
		default:
			out = append(out, Entry{Record: Record{Name: in.Name, Flags: FlagNormal, Data: NormalData(in.Data)}, Source: in.Path})
		}
	}
	if o.Start == "" {
		return out, nil
	}
	var first, rest []Entry
	for _, e := range out {
		if e.IsBEAM() && e.Module() == o.Start {
			if !e.IsStart() {
				return nil, fmt.Errorf("start module %s is not flagged as a start module", o.Start)
			}
			first = append(first, e)
		} else {
			rest = append(rest, e)
		}
	}
	if len(first) == 0 {
		return nil, &StartNotFoundError{Module: o.Start}
	}
	return append(first, rest...), nil
}

// StartNotFoundError: Options.Start names a module none of the inputs
// has.
type StartNotFoundError struct{ Module string }

func (e *StartNotFoundError) Error() string {
	return fmt.Sprintf("start module %s is not among the modules packed", e.Module)
}

// ErrBadInput is wrapped by errors about an input file that cannot be
// packed (not a BEAM file, a malformed .avm).
var ErrBadInput = errors.New("bad input")

func packBEAM(in Input, o Options) (Entry, error) {
	f, err := beam.Parse(in.Data)
	if err != nil {
		return Entry{}, fmt.Errorf("%s: %w: %w", in.Path, ErrBadInput, err)
	}
	data, err := f.Strip(beam.StripOptions{RemoveLines: o.RemoveLines})
	if err != nil {
		return Entry{}, fmt.Errorf("%s: %w: %w", in.Path, ErrBadInput, err)
	}
	flags := uint32(FlagBEAM)
	switch {
	case o.Start == f.Module:
		flags |= FlagStart
	case o.Start == "" && !o.Lib && f.Exported("start", 0):
		flags |= FlagStart
	}
	return Entry{Record: Record{Name: f.Module + ".beam", Flags: flags, Data: data}, Beam: f, Source: in.Path}, nil
}

func packAVM(in Input, o Options) ([]Entry, error) {
	d, err := Decode(in.Data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w: %w", in.Path, ErrBadInput, err)
	}
	var out []Entry
	for _, r := range d.Records {
		e := Entry{Record: r, Source: in.Path}
		e.Offset = 0
		mod := ""
		if r.IsBEAM() || r.IsStart() {
			f, err := beam.Parse(r.Data)
			if err != nil {
				return nil, fmt.Errorf("%s: record %q at byte %d: %w: %w", in.Path, r.Name, r.Offset, ErrBadInput, err)
			}
			e.Beam, mod = f, f.Module
		}
		switch {
		case o.Lib:
			e.Flags &^= FlagStart
		case mod == "":
		case o.Start == mod:
			e.Flags |= FlagStart
		case o.Start != "":
			e.Flags &^= FlagStart
		}
		out = append(out, e)
	}
	return out, nil
}

// beamName returns the module name of a BEAM image.
func beamName(data []byte) (string, error) {
	f, err := beam.Parse(data)
	if err != nil {
		return "", err
	}
	return f.Module, nil
}

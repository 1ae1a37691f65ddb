package packcmd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/avmsh/avmsh/cmd/avmsh/internal/cmdutil"
	"github.com/avmsh/avmsh/devices/avm"
)

// Options are the inputs of one `avmsh pack` run.
type Options struct {
	Out         string
	Start       string
	Lib         bool
	RemoveLines bool
	List        string
	Format      string
	Args        []string
}

// NewCmdPack returns the command.
func NewCmdPack(f *cmdutil.Factory) *cobra.Command {
	o := &Options{}
	cmd := &cobra.Command{
		Use:   "pack -o APP.avm [--start MOD] FILE.beam|DIR...",
		Short: "Build an AtomVM .avm from .beam files (as packbeam does), or list one",
		Long: heredoc.Doc(`
			Write an AtomVM application image (.avm, the packbeam format) from .beam
			files, ebin/ directories, application directories or a rebar3 build
			(_build/default/lib, or a project directory that has one), byte for byte
			as atomvm_packbeam writes it: each module stripped to the chunks AtomVM uses
			(compressed literals inflated), the start module first. An application's
			priv/ files are included as APP/priv/PATH, as rebar3 atomvm packbeam names
			them; other files and .avm files given on the command line are included as
			packbeam includes them.

			The start module is the one AtomVM runs: --start MOD (it must export
			start/0), else the only one there is: a .beam given that exports start/0, or
			the start module of an .avm given (a library .avm such as AtomVM's
			atomvmlib.avm has none). With several, --start is required; with none, or
			with --lib, the .avm is a library.

			--list APP.avm prints the records of an .avm: name, flags and size.
			The written file is read back and checked before the command says so.
		`),
		Example: heredoc.Doc(`
			$ avmsh pack -o hello.avm hello.beam
			$ avmsh pack -o app.avm --start main _build/default/lib
			$ avmsh pack -o lib.avm --lib ebin/
			$ avmsh pack --list app.avm
			$ avmsh pack --list app.avm --output json
		`),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Args = args
			return Run(cmd.Context(), f, o)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&o.Out, "out", "o", "", "write the .avm to `FILE`")
	fl.StringVarP(&o.Start, "start", "s", "", "start `MODULE` (must export start/0; placed first)")
	fl.BoolVarP(&o.Lib, "lib", "l", false, "pack a library: no start module")
	fl.BoolVarP(&o.RemoveLines, "remove-lines", "r", false, "drop line-number information (smaller; no line numbers in stack traces)")
	fl.StringVar(&o.List, "list", "", "list the records of `APP.avm` instead of writing one")
	fl.StringVar(&o.Format, "output", "text", "output format: text or json")
	cmdutil.EnumFlag(fl, "output", "text", "json")
	return cmd
}

// Run executes the command.
func Run(ctx context.Context, f *cmdutil.Factory, o *Options) error {
	if o.Format != "text" && o.Format != cmdutil.OutputJSON {
		return cmdutil.UsageError("--output %q: want text or json", o.Format)
	}
	if o.List != "" {
		if len(o.Args) > 0 || o.Out != "" {
			return cmdutil.UsageError("--list takes only the .avm to list")
		}
		return list(f, o)
	}
	switch {
	case o.Out == "":
		return cmdutil.UsageError("say where to write the .avm with -o FILE\nRun 'avmsh pack --help' for examples.")
	case len(o.Args) == 0:
		return cmdutil.UsageError("give the .beam files or directories to pack")
	case o.Lib && o.Start != "":
		return cmdutil.UsageError("--lib and --start exclude each other")
	}
	ins, err := avm.Collect(o.Args)
	if err != nil {
		return err
	}
	// Packed as packbeam does without a start module, the candidates are
	// the records flagged start: the .beam files exporting start/0 and
	// the start modules of the .avm files.
	entries, err := avm.Pack(ins, avm.Options{Lib: o.Lib, RemoveLines: o.RemoveLines})
	if err != nil {
		return err
	}
	start, err := chooseStart(o, entries)
	if err != nil {
		return err
	}
	if start != "" {
		if entries, err = avm.Pack(ins, avm.Options{Start: start, RemoveLines: o.RemoveLines}); err != nil {
			return err
		}
	}
	recs := make([]avm.Record, len(entries))
	for i, e := range entries {
		recs[i] = e.Record
	}
	data := avm.Encode(recs)
	if err := writeVerified(o.Out, data, len(recs)); err != nil {
		return err
	}
	if o.Format == cmdutil.OutputJSON {
		d, _ := avm.Decode(data)
		return printJSON(f, d.Records)
	}
	mods := 0
	for _, r := range recs {
		if r.IsBEAM() {
			mods++
		}
	}
	what := "library, no start module"
	if start != "" {
		what = "start module " + start
	}
	fmt.Fprintf(f.IO.Out, "wrote %s: %s, %s, %d bytes (%s)\n", o.Out, count(mods, "module"), count(len(recs)-mods, "file"), len(data), what)
	return nil
}

// chooseStart applies avmsh's start-module rule (see the command's help).
func chooseStart(o *Options, entries []avm.Entry) (string, error) {
	if o.Lib {
		return "", nil
	}
	var starters []string
	found := false
	for _, e := range entries {
		if e.Beam == nil {
			continue
		}
		if e.Beam.Module == o.Start {
			found = true
			if !e.Beam.Exported("start", 0) {
				return "", cmdutil.UsageError("--start %s: %s (%s) does not export start/0, which AtomVM calls", o.Start, o.Start, e.Source)
			}
		}
		if e.IsStart() {
			starters = append(starters, e.Beam.Module)
		}
	}
	switch {
	case o.Start != "" && !found:
		return "", cmdutil.UsageError("--start %s: no such module among the inputs", o.Start)
	case o.Start != "":
		return o.Start, nil
	case len(starters) > 1:
		return "", cmdutil.UsageError("several modules export start/0 (%s): choose one with --start, or pack a library with --lib", strings.Join(starters, ", "))
	case len(starters) == 1:
		return starters[0], nil
	}
	return "", nil
}

// writeVerified writes data next to path and renames it into place once
// it reads back identical and decodes with the expected records.
func writeVerified(path string, data []byte, n int) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	back, err := os.ReadFile(tmp.Name())
	if err != nil {
		return fmt.Errorf("read back %s: %w", path, err)
	}
	d, err := avm.Decode(back)
	if err != nil || len(d.Records) != n || string(back) != string(data) {
		return fmt.Errorf("%s: the file read back differs from what was written (%v); not replacing %s", tmp.Name(), err, path)
	}
	return os.Rename(tmp.Name(), path)
}

type listEntry struct {
	Name   string `json:"name"`
	Flags  uint32 `json:"flags"`
	Kind   string `json:"kind"`
	Start  bool   `json:"start"`
	Module string `json:"module,omitempty"`
	Size   int    `json:"size"`
	Offset int    `json:"offset"`
}

func list(f *cmdutil.Factory, o *Options) error {
	st, err := os.Stat(o.List)
	if err != nil {
		return err
	}
	if st.Size() > avm.MaxSize {
		return fmt.Errorf("%s: %d bytes, more than the %d MiB an .avm may have", o.List, st.Size(), avm.MaxSize>>20)
	}
	data, err := os.ReadFile(o.List)
	if err != nil {
		return err
	}
	d, err := avm.Decode(data)
	if err != nil {
		return fmt.Errorf("%s: %w", o.List, err)
	}
	if o.Format == cmdutil.OutputJSON {
		return printJSON(f, d.Records)
	}
	tw := tabwriter.NewWriter(f.IO.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tFLAGS\tSIZE")
	for _, e := range entries(d.Records) {
		fl := e.Kind
		if e.Start {
			fl = "start," + fl
		}
		fmt.Fprintf(tw, "%s\t%s (%d)\t%d\n", e.Name, fl, e.Flags, e.Size)
	}
	return tw.Flush()
}

func entries(recs []avm.Record) []listEntry {
	out := make([]listEntry, 0, len(recs))
	for _, r := range recs {
		e := listEntry{Name: r.Name, Flags: r.Flags, Start: r.IsStart(), Offset: r.Offset, Size: len(r.Contents())}
		switch {
		case r.IsBEAM():
			e.Kind, e.Module = "beam", r.Module()
		case r.Flags&avm.FlagNormal != 0:
			e.Kind = "file"
		default:
			e.Kind = "unknown"
		}
		out = append(out, e)
	}
	return out
}

func printJSON(f *cmdutil.Factory, recs []avm.Record) error {
	b, err := json.MarshalIndent(entries(recs), "", "  ")
	if err != nil {
		return errors.New("encode the listing as JSON")
	}
	_, err = fmt.Fprintf(f.IO.Out, "%s\n", b)
	return err
}

// count is "1 module", "2 modules".
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

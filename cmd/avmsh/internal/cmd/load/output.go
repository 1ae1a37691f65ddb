package loadcmd

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/avmsh/avmsh/cmd/avmsh/internal/cmdutil"
	"github.com/avmsh/avmsh/node/codeload"
	"github.com/avmsh/avmsh/vm/syntax"
	"github.com/avmsh/avmsh/vm/term"
)

type jsonProc struct {
	Pid      string `json:"pid"`
	Name     string `json:"name,omitempty"`
	Function string `json:"function,omitempty"`
}

type jsonResult struct {
	Node    string     `json:"node"`
	Module  string     `json:"module"`
	Path    string     `json:"path,omitempty"`
	Status  string     `json:"status"`
	Reason  string     `json:"reason,omitempty"`
	Error   string     `json:"error,omitempty"`
	Running []jsonProc `json:"running,omitempty"`
	OldCode []jsonProc `json:"old_code,omitempty"`
	Killed  bool       `json:"killed,omitempty"`
	Notes   []string   `json:"notes,omitempty"`
	Bytes   int        `json:"bytes"`
	Millis  float64    `json:"ms"`
	Time    string     `json:"time,omitempty"`
}

func procs(ps []codeload.Proc) []jsonProc {
	out := make([]jsonProc, len(ps))
	for i, p := range ps {
		out[i] = jsonProc{Pid: syntax.Write(p.Pid, syntax.Options{}), Name: string(p.Name), Function: p.Function}
	}
	return out
}

func toJSON(r codeload.Result) jsonResult {
	j := jsonResult{Node: string(r.Node), Module: r.Module, Path: r.Path, Status: string(r.Status), Reason: r.Reason,
		Running: procs(r.Running), OldCode: procs(r.OldCode), Killed: r.Killed, Notes: r.Notes, Bytes: r.Bytes,
		Millis: float64(r.Took.Microseconds()) / 1000}
	if r.Err != nil {
		j.Error = r.Err.Error()
	}
	return j
}

func printResults(f *cmdutil.Factory, o *Options, rs []codeload.Result) error {
	if o.Format == cmdutil.OutputJSON {
		out := make([]jsonResult, len(rs))
		for i, r := range rs {
			out[i] = toJSON(r)
		}
		b, err := json.MarshalIndent(out, "", "  ")
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(f.IO.Out, "%s\n", b)
		return err
	}
	for _, r := range rs {
		printText(f.IO.Out, r, "")
	}
	return nil
}

// printText prints one result: a line, then indented details.
func printText(w io.Writer, r codeload.Result, prefix string) {
	fmt.Fprintf(w, "%s%s\n", prefix, r.Summary())
	if r.Status != codeload.Loaded && r.Err != nil {
		fmt.Fprintf(w, "  %s\n", cmdutil.Indent(r.Err.Error(), "  "))
	}
	for _, n := range r.Notes {
		if n == codeload.NoteRAM {
			n += "; to keep them on an ESP32: avmsh load --persist serial:PORT ..."
		}
		fmt.Fprintf(w, "  note: %s\n", n)
	}
	if h := resultHint(r); h != "" {
		fmt.Fprintf(w, "  hint: %s\n", h)
	}
}

// resultHint is the command line's way out of a refused load (codeload
// says it without flags).
func resultHint(r codeload.Result) string {
	switch r.Reason {
	case codeload.ReasonNotPurged:
		return "load again with --purge to kill the processes in the old version (as c:l/1 does)"
	case codeload.ReasonNotSent, codeload.ReasonIncompatible:
		return "--no-check sends modules avmsh thinks the node cannot load"
	}
	return ""
}

// watch pushes changes until ctx ends (Ctrl-C).
func watch(ctx context.Context, f *cmdutil.Factory, o *Options, l *codeload.Loader, names []term.Atom, down []codeload.Result) error {
	for _, d := range down {
		fmt.Fprintf(f.IO.ErrOut, "%s: %v\n", d.Node, d.Err)
	}
	if len(names) == 0 {
		return &cmdutil.ExitError{Code: cmdutil.ExitUnreachable, Err: fmt.Errorf("no node to push to"), Silent: len(down) > 0}
	}
	fmt.Fprintf(f.IO.ErrOut, "watching %s for changed .beam files%s; pushing to %d node(s); Ctrl-C to stop\n", o.Watch, map[bool]string{true: " and .erl sources", false: ""}[o.Build], len(names))
	err := l.Watch(ctx, codeload.WatchOptions{Dir: o.Watch, Build: o.Build, Debounce: o.Debounce, Targets: names}, func(p codeload.Push) {
		stamp := p.Time.Format("15:04:05.000")
		if p.Err != nil {
			if o.Format == cmdutil.OutputJSON {
				b, _ := json.Marshal(map[string]string{"time": p.Time.Format(time.RFC3339Nano), "path": p.Path, "status": "error", "error": p.Err.Error()})
				fmt.Fprintf(f.IO.Out, "%s\n", b)
				return
			}
			fmt.Fprintf(f.IO.Out, "%s %s: %s\n", stamp, p.Path, cmdutil.Indent(p.Err.Error(), "  "))
			return
		}
		for _, r := range p.Results {
			if o.Format == cmdutil.OutputJSON {
				j := toJSON(r)
				j.Time = p.Time.Format(time.RFC3339Nano)
				b, _ := json.Marshal(j)
				fmt.Fprintf(f.IO.Out, "%s\n", b)
				continue
			}
			printText(f.IO.Out, r, stamp+" ")
		}
	})
	if ctx.Err() != nil {
		// Ctrl-C, how watching ends: exit 130 as every command.
		return cmdutil.Interrupted(ctx.Err(), "stopped watching %s", o.Watch)
	}
	return err
}

package loadcmd

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/avmsh/avmsh/cmd/avmsh/internal/cmdutil"
	"github.com/avmsh/avmsh/cmd/avmsh/internal/flashprogress"
	"github.com/avmsh/avmsh/devices/espflash"
	"github.com/avmsh/avmsh/node/codeload"
	"github.com/avmsh/avmsh/vm/term"
)

// persisted is the outcome of --persist on one board.
type persisted struct {
	board *board
	res   *espflash.Result
	rb    *rebuild
	// skipped says why the board was not flashed ("" if it was tried).
	skipped string
	err     error
	// fleetErr: recording the flash in the fleet state failed.
	fleetErr error
	// back is the node that connected again after the reset ("" if none
	// within the wait), after how long.
	back  term.Atom
	after time.Duration
}

func newPersistProgress(f *cmdutil.Factory) *flashprogress.Printer {
	return flashprogress.New(f.IO.ErrOut, f.IO.IsTerminal)
}

// jsonPersist is one board in --output json.
type jsonPersist struct {
	Node         string              `json:"node,omitempty"`
	Port         string              `json:"port"`
	Status       string              `json:"status"` // persisted, skipped, failed
	Reason       string              `json:"reason,omitempty"`
	Error        string              `json:"error,omitempty"`
	Chip         string              `json:"chip,omitempty"`
	Partition    *espflash.Partition `json:"partition,omitempty"`
	Replaced     []string            `json:"replaced,omitempty"`
	Added        []string            `json:"added,omitempty"`
	Previous     *espflash.Previous  `json:"previous,omitempty"`
	Size         int                 `json:"size,omitempty"`
	MD5          string              `json:"md5,omitempty"`
	BytesWritten int64               `json:"bytes_written"`
	BytesSkipped int64               `json:"bytes_skipped"`
	Verified     bool                `json:"verified"`
	Started      string              `json:"started,omitempty"`
	Seconds      float64             `json:"seconds,omitempty"`
	Back         string              `json:"back,omitempty"`
	BackAfter    float64             `json:"back_after_s,omitempty"`
	FleetError   string              `json:"fleet_error,omitempty"`
}

func (p *persisted) json() jsonPersist {
	j := jsonPersist{Node: string(p.board.t.Node), Port: p.board.device}
	switch {
	case p.skipped != "":
		j.Status, j.Reason = "skipped", p.skipped
	case p.err != nil:
		j.Status, j.Error = "failed", p.err.Error()
	default:
		j.Status, j.Verified = "persisted", true
		r, a := p.res, p.res.App
		j.Chip, j.Partition, j.Previous, j.Started, j.Seconds = r.Info.Chip, a.Partition, r.Previous, r.Started, r.Seconds
		j.Size, j.MD5, j.BytesWritten, j.BytesSkipped = a.Size, a.MD5, a.Written, a.Skipped
		j.Replaced, j.Added = p.rb.replaced, p.rb.added
		j.Back, j.BackAfter = string(p.back), p.after.Seconds()
	}
	if p.fleetErr != nil {
		j.FleetError = p.fleetErr.Error()
	}
	return j
}

// printPersisted writes one board's outcome as text.
func printPersisted(w, errOut io.Writer, p *persisted, wait time.Duration) {
	name := p.board.device
	switch {
	case p.skipped != "":
		fmt.Fprintf(w, "%s: not persisted: %s\n", name, p.skipped)
		return
	case p.err != nil:
		fmt.Fprintf(w, "%s: not persisted\n", name)
		return // the error itself is printed by the root
	}
	r, a := p.res, p.res.App
	var mods []string
	for _, m := range p.rb.replaced {
		mods = append(mods, m+" (replaced)")
	}
	for _, m := range p.rb.added {
		mods = append(mods, m+" (added)")
	}
	fmt.Fprintf(w, "%s on %s (%s): rebuilt with %s: %d bytes, %s written, %s unchanged; MD5 %s verified\n",
		a.Partition.Label, name, r.Info.Chip, strings.Join(mods, ", "), a.Size,
		flashprogress.BytesText(a.Written), flashprogress.BytesText(a.Skipped), a.MD5)
	if p.back != "" {
		fmt.Fprintf(w, "The board restarted from it (%s); %s is back after %.1f s\n", r.Started, p.back, p.after.Seconds())
	} else {
		fmt.Fprintf(w, "The board restarted from it (%s); its node did not start serial distribution within %v (check its console: avmsh monitor %s)\n", r.Started, wait, name)
	}
	if p.fleetErr != nil {
		fmt.Fprintf(errOut, "warning: the flash is done and verified, but recording it in the fleet state failed: %v\n", p.fleetErr)
	}
}

// persistAll persists the boards whose modules all loaded, one after
// the other, and prints the loads and then each board (as one JSON
// object {"loads": [...], "persisted": [...]} with --output json). The
// exit code is the loads' if one failed, else the first failed board's.
func persistAll(ctx context.Context, f *cmdutil.Factory, o *Options, l nodeLister, boards []*board, mods []*codeload.Module, results []codeload.Result) error {
	js := o.Format == cmdutil.OutputJSON
	if !js {
		for _, r := range results {
			printText(f.IO.Out, r, "")
		}
	}
	var outs []*persisted
	var first error
	for _, b := range boards {
		var p *persisted
		if !allLoaded(results, b.t.Node) {
			p = &persisted{board: b, skipped: "not every module was loaded into its node, so none is written to its flash"}
		} else {
			var err error
			p, err = persistOne(ctx, f, o, l, b, mods)
			if err != nil {
				p.err = err
				if first == nil {
					first = err
				} else {
					fmt.Fprintf(f.IO.ErrOut, "%v\n", err)
				}
			}
		}
		outs = append(outs, p)
		if !js {
			printPersisted(f.IO.Out, f.IO.ErrOut, p, o.backTimeout())
		}
	}
	if js {
		loads := make([]jsonResult, len(results))
		for i, r := range results {
			loads[i] = toJSON(r)
		}
		ps := make([]jsonPersist, len(outs))
		for i, p := range outs {
			ps[i] = p.json()
		}
		b, err := json.MarshalIndent(map[string]any{"loads": loads, "persisted": ps}, "", "  ")
		if err != nil {
			return err
		}
		fmt.Fprintf(f.IO.Out, "%s\n", b)
	}
	if err := exitFor(results); err != nil {
		return err
	}
	return first
}

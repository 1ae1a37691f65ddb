package codeload

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/avmsh/avmsh/node/rpc"
	"github.com/avmsh/avmsh/vm/syntax"
	"github.com/avmsh/avmsh/vm/term"
)

func procList(ps []Proc) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = p.String()
	}
	return strings.Join(s, ", ")
}

func (l *Loader) loadBEAM(ctx context.Context, t Target, mods []*Module, res []Result) {
	names := make([]string, len(mods))
	for i, m := range mods {
		names[i] = m.Name
	}
	// One call: who runs these modules, and soft_purge of each.
	start := time.Now()
	v, err := l.eval(ctx, t.Node, runningExpr(names))
	if err != nil {
		for i := range res {
			l.callFailed(&res[i], "listing processes and code:soft_purge/1", err)
		}
		return
	}
	pair, _ := v.(term.Tuple)
	var purged term.List
	running := map[string][]Proc{}
	if len(pair) == 2 {
		purged, _ = pair[1].(term.List) // booleans: never a term.Chars
		for _, p := range procsOf(pair[0]) {
			mod, _, _ := strings.Cut(p.Function, ":")
			running[mod] = append(running[mod], p)
		}
	}
	for j, m := range mods {
		r := &res[j]
		soft := j < len(purged) && purged[j] == term.Atom("true")
		l.loadBEAMOne(ctx, t, m, soft, running[m.Name], r)
		r.Took = time.Since(start)
		start = time.Now()
	}
}

func (l *Loader) loadBEAMOne(ctx context.Context, t Target, m *Module, softPurged bool, running []Proc, r *Result) {
	payload := m.File.Raw
	if t.Transport == "serial" && !l.Opts.NoCompress {
		payload = gzipped(payload) // OTP's loader takes gzip'd modules
	}
	if tooLarge(t, r, len(payload)) {
		return
	}
	mod := term.Atom(m.Name)
	if !softPurged {
		if v, err := l.eval(ctx, t.Node, oldCodeExpr(m.Name)); err == nil {
			r.OldCode = procsOf(v)
		}
		if !l.Opts.Purge {
			r.fail(Refused, ReasonNotPurged, "not loaded: %s still runs the previous version of %s (a node keeps two versions; loading again would kill it): make it call %s:... (a fully qualified call moves it to the current version), or load with purging, which kills it as c:l/1 does",
				orSome(r.OldCode), m.Name, m.Name)
			return
		}
		v, err := l.call(ctx, t.Node, "code", "purge", mod)
		if err != nil {
			l.callFailed(r, "", err)
			return
		}
		r.Killed = v == term.Atom("true")
		if r.Killed {
			r.Notes = append(r.Notes, fmt.Sprintf("killed %s: it ran the old version of %s (purged, as c:l/1 does)", orSome(r.OldCode), m.Name))
		}
	}
	r.Running = running
	abs, _ := filepath.Abs(m.Path)
	v, err := l.call(ctx, t.Node, "code", "load_binary", mod, term.String(abs), term.Binary(payload))
	if err != nil {
		l.callFailed(r, "", err)
		return
	}
	r.Bytes = len(payload)
	l.interpret(t, m, v, r)
	if r.Status == Loaded && len(running) > 0 {
		r.Notes = append(r.Notes, fmt.Sprintf("%d process(es) were running %s: %s; they go on in the old version until their next fully qualified call (%s:f(...)), and until then %s cannot be loaded again without purging",
			len(running), m.Name, procList(running), m.Name, m.Name))
	}
}

func orSome(ps []Proc) string {
	if len(ps) == 0 {
		return "some process"
	}
	return procList(ps)
}

func gzipped(b []byte) []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

// interpret reads code:load_binary/3's answer.
func (l *Loader) interpret(t Target, m *Module, v term.Term, r *Result) {
	if tp, ok := v.(term.Tuple); ok && len(tp) == 2 && tp[0] == term.Atom("module") {
		if tp[1] != term.Atom(m.Name) {
			r.fail(Refused, ReasonError, "%s answered {module, %s} for %s", t.Node, syntax.Write(tp[1], syntax.Options{}), m.Name)
			return
		}
		r.Status = Loaded
		return
	}
	reason := syntax.Write(v, syntax.Options{Encoding: syntax.Unicode})
	if tp, ok := v.(term.Tuple); ok && len(tp) == 2 && tp[0] == term.Atom("error") {
		switch tp[1] {
		case term.Atom("badfile"):
			why := "its loader rejected the file (the node's log says why)"
			if need := m.File.MinOTP(); t.Kind != "atomvm" && m.File.CheckOTP(t.Release) != nil {
				why = fmt.Sprintf("%s was compiled for OTP %d or later and %s runs OTP %s: recompile it with OTP %s's erlc", m.Name, need, t.Node, t.Release, t.Release)
			}
			r.fail(Refused, ReasonBadFile, "%s refused %s as a bad file ({error, badfile}): %s", t.Node, m.Name, why)
		case term.Atom("not_purged"):
			r.fail(Refused, ReasonNotPurged, "%s answered {error, not_purged}: a process still runs an old version of %s; load again with purging", t.Node, m.Name)
		case term.Atom("on_load_failure"):
			r.fail(Refused, ReasonOnLoad, "%s: the -on_load function of %s failed, so the node did not keep it ({error, on_load_failure}); the previous version, if any, stays current", t.Node, m.Name)
		case term.Atom("sticky_directory"):
			r.fail(Refused, ReasonSticky, "%s: %s is a sticky system module ({error, sticky_directory}); unstick it on the node with code:unstick_mod(%s) first", t.Node, m.Name, m.Name)
		default:
			r.fail(Refused, ReasonError, "%s answered %s", t.Node, reason)
		}
		return
	}
	if v == term.Atom("error") {
		r.fail(Refused, ReasonError, "%s (AtomVM) answered error: its module table did not take %s", t.Node, m.Name)
		return
	}
	r.fail(Refused, ReasonError, "%s answered %s to code:load_binary/3", t.Node, reason)
}

// callFailed records a failed remote call. The rpc errors name the call
// and the node; step, when given, says what the call was for.
func (l *Loader) callFailed(r *Result, step string, err error) {
	if step != "" {
		err = fmt.Errorf("%s: %w", step, err)
	}
	var ce *rpc.CanceledError
	switch {
	case errors.As(err, &ce):
		r.fail(Unreachable, ReasonInterrupted, "%w", err)
		return
	case isDown(err):
		r.fail(Unreachable, ReasonDown, "%w", err)
		return
	}
	r.fail(Refused, ReasonError, "%w", err)
}

// NoteRAM is the note of a load into an AtomVM node that will not be
// written to its flash: front-ends may add how to persist it.
const NoteRAM = "this lives in the board's RAM: a reboot reverts to the modules of its flashed .avm (unless the load is persisted into an ESP32's .avm too; or pack and flash)"

// atomVMNotes are said once per AtomVM node.
func atomVMNotes(r *Result, persisting bool) {
	ram := NoteRAM
	if persisting {
		ram = "this lives in the board's RAM until its .avm in flash is rewritten below"
	}
	r.Notes = append(r.Notes,
		"AtomVM keeps one version of each module and never purges: processes inside a replaced module go on with the code they are in until their next fully qualified call, then run the new code; nothing is killed",
		"AtomVM cannot tell which processes run a module (it does not answer process_info current_function), so none are listed",
		ram)
}

func (l *Loader) loadAtomVM(ctx context.Context, t Target, mods []*Module, res []Result) {
	for i, m := range mods {
		r := &res[i]
		if tooLarge(t, r, len(m.Stripped)) {
			continue
		}
		start := time.Now()
		v, err := l.call(ctx, t.Node, "code", "load_binary", term.Atom(m.Name), term.String(m.Name+".beam"), term.Binary(m.Stripped))
		r.Took = time.Since(start)
		if err != nil {
			l.atomVMFailed(t, m, r, err)
			// After an abort, or with the link gone, the rest would only
			// wait for their own timeouts.
			if r.Status == Unreachable {
				for j := i + 1; j < len(res); j++ {
					res[j].fail(Unreachable, ReasonDown, "not sent: %s stopped answering while it loaded %s", t.Node, m.Name)
				}
				return
			}
			continue
		}
		r.Bytes = len(m.Stripped)
		l.interpret(t, m, v, r)
	}
}

// atomVMFailed explains a failed code:load_binary/3 on AtomVM.
func (l *Loader) atomVMFailed(t Target, m *Module, r *Result, err error) {
	var re *rpc.RemoteError
	if errors.As(err, &re) && re.Reason == term.Atom("out_of_memory") {
		r.fail(Refused, ReasonBadFile, "%s (AtomVM) could not load %s: its loader failed (error:out_of_memory: the module could not be parsed or memory ran out; the board's console says which)", t.Node, m.Name)
		return
	}
	if !isDown(err) {
		l.callFailed(r, "", err)
		return
	}
	// Checked against a source-built AtomVM (7b282159, 2026-12-06): a
	// module with an opcode it lacks makes it print "missing opcode: N"
	// and exit the whole VM, so the call never answers; a file that is
	// not a BEAM file does the same.
	skipped := ""
	if l.Opts.NoCheck {
		skipped = " (avmsh's check of the opcodes was skipped)"
	}
	r.fail(Unreachable, ReasonDown, "%w\n%s stopped answering while it loaded %s. AtomVM aborts the whole VM on code it cannot load%s: its console then shows e.g. \"missing opcode: 149\". Once it has restarted, the modules loaded into it since its last boot are gone",
		err, t.Node, m.Name, skipped)
}

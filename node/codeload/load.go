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

// snapshot lists the node's processes and, for those executing one of
// the modules, their current function and registered name (two calls:
// erlang:processes/0, then lists:zipwith/3 over erlang:process_info/2).
func (l *Loader) snapshot(ctx context.Context, target term.Atom, mods []*Module) ([]term.Term, map[string][]Proc, error) {
	v, err := l.call(ctx, target, "erlang", "processes")
	if err != nil {
		return nil, nil, err
	}
	pids, _ := v.(term.List)
	if len(pids) == 0 {
		return nil, nil, nil
	}
	ps := make(term.List, 0, 2*len(pids))
	items := make(term.List, 0, 2*len(pids))
	for _, p := range pids {
		ps = append(ps, p, p)
		items = append(items, term.Atom("current_function"), term.Atom("registered_name"))
	}
	v, err = l.call(ctx, target, "lists", "zipwith", term.ExportFun{Module: "erlang", Function: "process_info", Arity: 2}, ps, items)
	if err != nil {
		return pids, nil, err
	}
	got, _ := v.(term.List)
	want := map[string]bool{}
	for _, m := range mods {
		want[m.Name] = true
	}
	out := map[string][]Proc{}
	for i := 0; i+1 < len(got) && i/2 < len(pids); i += 2 {
		mod, fn := mfa(got[i])
		if !want[mod] {
			continue
		}
		pr := Proc{Function: fn}
		pr.Pid, _ = pids[i/2].(term.Pid)
		if kv, ok := got[i+1].(term.Tuple); ok && len(kv) == 2 {
			pr.Name, _ = kv[1].(term.Atom)
		}
		out[mod] = append(out[mod], pr)
	}
	return pids, out, nil
}

// mfa reads {current_function, {M, F, A}}.
func mfa(t term.Term) (string, string) {
	kv, ok := t.(term.Tuple)
	if !ok || len(kv) != 2 {
		return "", ""
	}
	f, ok := kv[1].(term.Tuple)
	if !ok || len(f) != 3 {
		return "", ""
	}
	m, _ := f[0].(term.Atom)
	fn, _ := f[1].(term.Atom)
	a, _ := f[2].(term.Int)
	return string(m), fmt.Sprintf("%s:%s/%d", m, fn, a)
}

// oldCode names the processes that still run the old version of mod
// (erlang:check_process_code/2 over every process, in one call).
func (l *Loader) oldCode(ctx context.Context, target term.Atom, pids []term.Term, mod string) []Proc {
	if len(pids) == 0 {
		return nil
	}
	ms := make(term.List, len(pids))
	for i := range ms {
		ms[i] = term.Atom(mod)
	}
	v, err := l.call(ctx, target, "lists", "zipwith", term.ExportFun{Module: "erlang", Function: "check_process_code", Arity: 2}, term.List(pids), ms)
	l2, _ := v.(term.List)
	if err != nil || len(l2) != len(pids) {
		return nil
	}
	var out []Proc
	for i, b := range l2 {
		if b == term.Atom("true") {
			p, _ := pids[i].(term.Pid)
			out = append(out, Proc{Pid: p})
		}
	}
	return out
}

func procList(ps []Proc) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = p.String()
	}
	return strings.Join(s, ", ")
}

func (l *Loader) loadBEAM(ctx context.Context, t Target, mods []*Module, res []Result) {
	pids, running, err := l.snapshot(ctx, t.Node, mods)
	if err != nil && isDown(err) {
		for i := range res {
			res[i].fail(Unreachable, ReasonDown, "%w", err)
		}
		return
	}
	for i, m := range mods {
		r := &res[i]
		start := time.Now()
		l.loadBEAMOne(ctx, t, m, pids, running[m.Name], r)
		r.Took = time.Since(start)
	}
}

func (l *Loader) loadBEAMOne(ctx context.Context, t Target, m *Module, pids []term.Term, running []Proc, r *Result) {
	if !l.Opts.NoCheck {
		if err := m.File.CheckOTP(t.Release); err != nil {
			r.fail(Refused, ReasonIncompatible, "%w", err)
			return
		}
	}
	payload := m.File.Raw
	if t.Transport == "serial" {
		payload = gzipped(payload) // OTP's loader takes gzip'd modules
	}
	if tooLarge(t, r, len(payload)) {
		return
	}
	mod := term.Atom(m.Name)
	v, err := l.call(ctx, t.Node, "code", "soft_purge", mod)
	if err != nil {
		l.callFailed(r, "code:soft_purge/1", err)
		return
	}
	if v == term.Atom("false") {
		r.OldCode = l.oldCode(ctx, t.Node, pids, m.Name)
		if !l.Opts.Purge {
			r.fail(Refused, ReasonNotPurged, "not loaded: %s still runs the previous version of %s (a node keeps two versions; loading again would kill it): make it call %s:... (a fully qualified call moves it to the current version), or load with --purge to kill it as c:l/1 does",
				orSome(r.OldCode), m.Name, m.Name)
			return
		}
		v, err = l.call(ctx, t.Node, "code", "purge", mod)
		if err != nil {
			l.callFailed(r, "code:purge/1", err)
			return
		}
		r.Killed = v == term.Atom("true")
		if r.Killed {
			r.Notes = append(r.Notes, fmt.Sprintf("killed %s: it ran the old version of %s (--purge, as c:l/1)", orSome(r.OldCode), m.Name))
		}
	}
	r.Running = running
	abs, _ := filepath.Abs(m.Path)
	v, err = l.call(ctx, t.Node, "code", "load_binary", mod, term.String(abs), term.Binary(payload))
	if err != nil {
		l.callFailed(r, "code:load_binary/3", err)
		return
	}
	r.Bytes = len(payload)
	l.interpret(t, m, v, r)
	if r.Status == Loaded && len(running) > 0 {
		r.Notes = append(r.Notes, fmt.Sprintf("%d process(es) were running %s: %s; they go on in the old version until their next fully qualified call (%s:f(...)), and until then %s cannot be loaded again without --purge",
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
			r.fail(Refused, ReasonNotPurged, "%s answered {error, not_purged}: a process still runs an old version of %s; load again with --purge", t.Node, m.Name)
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

// callFailed records a failed remote call.
func (l *Loader) callFailed(r *Result, what string, err error) {
	if isDown(err) {
		r.fail(Unreachable, ReasonDown, "%s: %w", what, err)
		return
	}
	var re *rpc.RemoteError
	if errors.As(err, &re) && r.Reason == "" {
		r.fail(Refused, ReasonError, "%s raised %s on %s: %w", what, syntax.Write(re.Reason, syntax.Options{}), r.Node, err)
		return
	}
	r.fail(Refused, ReasonError, "%s on %s: %w", what, r.Node, err)
}

func (l *Loader) loadAtomVM(ctx context.Context, t Target, mods []*Module, res []Result) {
	for i, m := range mods {
		r := &res[i]
		start := time.Now()
		if i == 0 {
			r.Notes = append(r.Notes,
				"AtomVM keeps one version of each module and never purges: processes inside a replaced module go on with the code they are in until their next fully qualified call, then run the new code; nothing is killed",
				"AtomVM cannot tell which processes run a module (it does not answer process_info current_function), so none are listed",
				"this lives in the board's RAM: a reboot reverts to the modules of its flashed .avm (reflash to keep it; load --persist is not available yet)")
		}
		if !l.Opts.NoCheck {
			if err := m.File.CheckAtomVM(t.Release); err != nil {
				r.fail(Refused, ReasonIncompatible, "%w", err)
				continue
			}
		}
		if tooLarge(t, r, len(m.Stripped)) {
			continue
		}
		v, err := l.call(ctx, t.Node, "code", "load_binary", term.Atom(m.Name), term.String(m.Name+".beam"), term.Binary(m.Stripped))
		if err != nil {
			var re *rpc.RemoteError
			if errors.As(err, &re) && re.Reason == term.Atom("out_of_memory") {
				r.fail(Refused, ReasonBadFile, "%s (AtomVM) could not load %s: its loader failed (error:out_of_memory: the module could not be parsed or memory ran out; the board's console says which)", t.Node, m.Name)
			} else {
				l.callFailed(r, "code:load_binary/3", err)
			}
			r.Took = time.Since(start)
			continue
		}
		r.Bytes = len(m.Stripped)
		l.interpret(t, m, v, r)
		r.Took = time.Since(start)
	}
}

package source

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"

	"github.com/avmsh/avmsh/node"
	"github.com/avmsh/avmsh/node/codeload"
	"github.com/avmsh/avmsh/node/rpc"
	"github.com/avmsh/avmsh/vm/term"
)

// beamModules is the module list polled on BEAM nodes, in one round
// trip: how many modules are loaded and the first Max by name.
const beamModules = `L = code:all_loaded(), {erlang:length(L), lists:sublist(lists:sort(L), Max)}.`

// code implements Code: the module list, and loading through
// node/codeload (the package `avmsh load` uses).
type code struct {
	env *env
	c   *caller

	mu      sync.Mutex
	loaders map[bool]*codeload.Loader // by Purge; each remembers its probes
}

func newCode(e *env, c *caller) *code {
	return &code{env: e, c: c, loaders: map[bool]*codeload.Loader{}}
}

// Modules lists the modules loaded on n (code:all_loaded/0), sorted by
// name, at most Config.MaxModules of them. The dashboard's own node
// lists the Go modules it serves.
func (cd *code) Modules(ctx context.Context, n term.Atom) (ModuleList, error) {
	if n == cd.env.n.Name() {
		var l ModuleList
		for _, m := range cd.env.local.Registry().Modules() {
			l.Modules = append(l.Modules, Module{Name: string(m), File: "(Go, built in)"})
		}
		return cd.bound(l.Modules, len(l.Modules)), nil
	}
	p, ok := cd.env.n.Peer(n)
	if !ok {
		return ModuleList{}, fmt.Errorf("%s is not connected", n)
	}
	if p.Kind == node.KindBEAM {
		max := term.Tuple{term.Atom("Max"), term.Int(cd.env.maxModules)}
		v, err := cd.c.beamEval(ctx, n, beamModules, term.List{max})
		if err == nil {
			t, ok := v.(term.Tuple)
			if !ok || len(t) != 2 {
				return ModuleList{}, fmt.Errorf("unexpected module list from %s", n)
			}
			return cd.bound(modulesOf(t[1]), int(intOf(t[0]))), nil
		}
		var re *rpc.RemoteError
		if !errors.As(err, &re) { // erl_eval missing: another avmsh
			return ModuleList{}, err
		}
	}
	// AtomVM: code:all_loaded/0 answers [{Module, undefined}].
	v, err := cd.c.optional(ctx, n, "code", "all_loaded")
	if err != nil {
		if errors.Is(err, errLacks) || isUndef(err) {
			return ModuleList{}, fmt.Errorf("%s does not answer code:all_loaded/0: it cannot list its modules (AtomVM has it from 0.7.0; an avmsh node runs no BEAM code)", n)
		}
		return ModuleList{}, err
	}
	mods := modulesOf(v)
	return cd.bound(mods, len(mods)), nil
}

func isUndef(err error) bool {
	var re *rpc.RemoteError
	return errors.As(err, &re) && re.Reason == term.Atom("undef")
}

// modulesOf reads code:all_loaded/0's [{Module, File}].
func modulesOf(v term.Term) []Module {
	l, _ := v.(term.List)
	out := make([]Module, 0, len(l))
	for _, e := range l {
		t, ok := e.(term.Tuple)
		if !ok || len(t) != 2 {
			continue
		}
		name, ok := t[0].(term.Atom)
		if !ok {
			continue
		}
		file := ""
		if t[1] != term.Atom("undefined") {
			file = textOf(t[1])
		}
		out = append(out, Module{Name: string(name), File: file})
	}
	return out
}

// bound sorts mods by name and keeps the first Config.MaxModules.
func (cd *code) bound(mods []Module, total int) ModuleList {
	sort.Slice(mods, func(i, j int) bool { return mods[i].Name < mods[j].Name })
	if len(mods) > cd.env.maxModules {
		mods = mods[:cd.env.maxModules]
	}
	return ModuleList{Modules: mods, Total: max(total, len(mods))}
}

// Load checks the files (codeload.Prepare: nothing is sent unless every
// file is a loadable module) and loads their modules into n, as
// `avmsh load` does.
func (cd *code) Load(ctx context.Context, n term.Atom, paths []string, o LoadOptions) ([]codeload.Result, error) {
	mods, err := codeload.Prepare(paths)
	if err != nil {
		return nil, err
	}
	if n == cd.env.n.Name() {
		res := make([]codeload.Result, len(mods))
		for i, m := range mods {
			res[i] = codeload.Result{Node: n, Module: m.Name, Path: m.Path, Status: codeload.Refused, Reason: codeload.ReasonNoCode,
				Err: fmt.Errorf("%s is the dashboard's own avmsh node: it runs no BEAM code, so it cannot load modules; pick a BEAM or AtomVM node", n)}
		}
		return res, nil
	}
	return cd.loader(o).Load(ctx, n, mods), nil
}

func (cd *code) loader(o LoadOptions) *codeload.Loader {
	cd.mu.Lock()
	defer cd.mu.Unlock()
	l := cd.loaders[o.Purge]
	if l == nil {
		l = codeload.NewLoader(cd.env.n, codeload.Options{Purge: o.Purge})
		cd.loaders[o.Purge] = l
	}
	return l
}

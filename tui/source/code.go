package source

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/avmsh/avmsh/node"
	"github.com/avmsh/avmsh/node/codeload"
	"github.com/avmsh/avmsh/node/observe"
	"github.com/avmsh/avmsh/vm/term"
)

// code implements Code: the module list (node/observe's SecModules),
// and loading through node/codeload (the package `avmsh load` uses).
type code struct {
	env *env

	mu      sync.Mutex
	loaders map[bool]*codeload.Loader // by Purge; each remembers its probes
}

func newCode(e *env) *code {
	return &code{env: e, loaders: map[bool]*codeload.Loader{}}
}

// Modules lists the modules loaded on n (code:all_loaded/0), sorted by
// name, at most Config.MaxModules of them. The dashboard's own node
// lists the Go modules it serves.
func (cd *code) Modules(ctx context.Context, n term.Atom) (ModuleList, error) {
	s, err := cd.env.observe(ctx, n, observe.SecModules)
	return ModulesOf(s, err)
}

// ModulesOf is the module list of a snapshot that asked for
// SecModules, or why there is none: a node without code:all_loaded/0
// (AtomVM before 0.7, another avmsh node) is told apart from a failed
// request.
func ModulesOf(s Snapshot, err error) (ModuleList, error) {
	switch {
	case s.Modules != nil:
		return *s.Modules, err
	case err != nil:
		return ModuleList{}, err
	case unsupported(s, observe.SecModules) && s.Kind != node.KindBEAM:
		return ModuleList{}, fmt.Errorf("%s does not answer code:all_loaded/0: it cannot list its modules (AtomVM has it from 0.7.0; an avmsh node runs no BEAM code): %w", s.Node, errNotAnswered)
	}
	return ModuleList{}, fmt.Errorf("no module list from %s (%s)", s.Node, strings.Join(s.Unsupported, "; "))
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

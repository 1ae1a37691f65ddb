package source

import (
	"context"

	"github.com/avmsh/avmsh/node/shellhost"
	"github.com/avmsh/avmsh/vm/term"
)

// Eval runs src in the shell session of node (one per node, kept).
func (l *Live) Eval(ctx context.Context, nodeName term.Atom, src string) (string, int, error) {
	l.mu.Lock()
	st := l.shells[nodeName]
	if st == nil {
		s, h, err := shellhost.NewSession(l.n, nodeName, shellhost.Options{GroupLeader: l.env.groupLeader(), Registry: l.env.local.Registry()})
		if err != nil {
			l.mu.Unlock()
			return "", 1, err
		}
		st = &shellState{s: s, h: h}
		l.shells[nodeName] = st
	}
	l.mu.Unlock()
	out, err := st.s.Eval(ctx, src)
	return out, st.s.N(), err
}

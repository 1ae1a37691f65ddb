package observe

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/avmsh/avmsh/node"
	"github.com/avmsh/avmsh/vm/term"
)

// ManyOptions configure PollMany.
type ManyOptions struct {
	// Workers bounds the nodes polled one by one at a time (default 16).
	Workers int
	// Timeout bounds each node's poll (0: ctx alone).
	Timeout time.Duration
}

// Result is one node's poll in PollMany.
type Result struct {
	Snapshot Snapshot
	Err      error
}

// PollMany polls the sections secs of each node of nodes and returns
// one Result per node, in that order. The BEAM nodes whose agent runs
// (see Requester) are asked together, from one process: a message to
// each, the answers gathered in one mailbox. The others (AtomVM, avmsh,
// BEAM nodes polled for the first time, which start their agent) are
// polled as Poll does, opt.Workers at a time, meanwhile.
func (o *Observer) PollMany(ctx context.Context, nodes []term.Atom, secs Section, opt ManyOptions) []Result {
	if opt.Workers <= 0 {
		opt.Workers = 16
	}
	out := make([]Result, len(nodes))
	r, canBatch := o.cfg.Conn.(Requester)
	var src string
	if canBatch {
		src = o.expr(secs)
	}
	var batch, rest []int
	var pids []term.Pid
	now := time.Now()
	for i, n := range nodes {
		if canBatch && !o.local(n) {
			if kind, err := o.kind(n); err == nil && kind == node.KindBEAM {
				if a, ok := o.liveAgent(agentKey(n, src), now); ok {
					batch, pids = append(batch, i), append(pids, a.pid)
					continue
				}
			}
		}
		rest = append(rest, i)
	}
	timeout := func(ctx context.Context) (context.Context, context.CancelFunc) {
		if opt.Timeout > 0 {
			return context.WithTimeout(ctx, opt.Timeout)
		}
		if _, ok := ctx.Deadline(); !ok {
			return context.WithTimeout(ctx, agentNoDeadline)
		}
		return ctx, func() {}
	}

	var wg sync.WaitGroup
	var next atomic.Int64
	for range min(opt.Workers, len(rest)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				j := int(next.Add(1)) - 1
				if j >= len(rest) {
					return
				}
				i := rest[j]
				pctx, cancel := timeout(ctx)
				s, err := o.Poll(pctx, nodes[i], secs)
				cancel()
				out[i] = Result{s, err}
			}
		}()
	}
	if len(batch) > 0 {
		bctx, cancel := timeout(ctx)
		answers := r.Request(bctx, pids, agentTag)
		cancel()
		for j, i := range batch {
			n, ans := nodes[i], answers[j]
			s := Snapshot{Node: n, Kind: node.KindBEAM, At: ans.At, RTT: ans.At.Sub(ans.Sent)}
			v, err := o.agentAnswer(n, agentKey(n, src), pids[j], ans)
			if err != nil {
				s.At, s.RTT = time.Now(), time.Since(ans.Sent)
				out[i] = Result{s, err}
				continue
			}
			s, err = s.fromBEAM(secs, v)
			out[i] = Result{s, err}
		}
	}
	wg.Wait()
	return out
}

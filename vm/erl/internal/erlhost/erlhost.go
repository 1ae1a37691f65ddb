package erlhost

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/avmsh/avmsh/internal/erltest"
	"github.com/avmsh/avmsh/vm/erl/eval"
	"github.com/avmsh/avmsh/vm/etf"
	"github.com/avmsh/avmsh/vm/syntax"
	"github.com/avmsh/avmsh/vm/term"
)

// Host is an eval.Host backed by an erltest node.
type Host struct {
	n    *erltest.Node
	self term.Pid
	// Poll is the interval between mailbox checks while Receive waits.
	Poll time.Duration
}

// boxLoop is the shell process on the node: it keeps every message and
// only acts on take requests, removing the first message equal to the
// requested one.
const boxLoop = `spawn(fun() -> BL = fun BL() -> receive {'$avmsh_take', From, Msg} -> receive X when X =:= Msg -> From ! {'$avmsh_taken', X} end, BL() end end, BL() end)`

// New starts the mailbox process on n.
func New(ctx context.Context, n *erltest.Node) (*Host, error) {
	r, err := n.Call(ctx, boxLoop)
	if err != nil {
		return nil, fmt.Errorf("erlhost: start the shell mailbox on %s: %w", n.Name, err)
	}
	t, err := etf.Unmarshal(r.ETF)
	if err != nil {
		return nil, fmt.Errorf("erlhost: decode the mailbox pid from %s: %w", n.Name, err)
	}
	pid, ok := t.(term.Pid)
	if !ok {
		return nil, fmt.Errorf("erlhost: mailbox on %s is %s, not a pid", n.Name, r.Text)
	}
	return &Host{n: n, self: pid, Poll: 5 * time.Millisecond}, nil
}

// Node returns the node name, for printing pids as local ones.
func (h *Host) Node() term.Atom { return h.self.Node }

// NodeContext returns the syntax context in which the node's pids print
// as <0.X.Y>.
func (h *Host) NodeContext() syntax.NodeContext { return syntax.NodeContext{Local: h.self.Node} }

func literal(t term.Term) (string, error) {
	b, err := etf.Marshal(t)
	if err != nil {
		return "", err
	}
	return `binary_to_term(binary:decode_hex(<<"` + hex.EncodeToString(b) + `">>))`, nil
}

func (h *Host) eval(ctx context.Context, expr string) (term.Term, error) {
	r, err := h.n.Call(ctx, expr)
	if err != nil {
		var ee *erltest.EvalError
		if errors.As(err, &ee) {
			return nil, exception(ee.ETF)
		}
		return nil, err
	}
	return etf.Unmarshal(r.ETF)
}

// exception decodes {Class, Reason, Stack} and trims the control loop's
// own frames (erl_eval and below) from the stack.
func exception(b []byte) error {
	t, err := etf.Unmarshal(b)
	if err != nil {
		return fmt.Errorf("erlhost: decode exception: %w", err)
	}
	tup, ok := t.(term.Tuple)
	if !ok || len(tup) != 3 {
		return fmt.Errorf("erlhost: bad exception term %s", syntax.Write(t, syntax.Options{}))
	}
	class, _ := tup[0].(term.Atom)
	stack := tup[2]
	if l, ok := term.AsList(stack); ok {
		cut := len(l)
		for i, f := range l {
			if ft, ok := f.(term.Tuple); ok && len(ft) == 4 && ft[0] == term.Atom("erl_eval") {
				cut = i
				break
			}
		}
		stack = append(term.List(nil), l[:cut]...)
		if cut == 0 {
			stack = term.Nil
		}
	}
	return &eval.Exception{Class: class, Reason: tup[1], Stack: stack}
}

// Call runs Mod:Fun(Args) on the node.
func (h *Host) Call(ctx context.Context, mod, fun term.Atom, args []term.Term) (term.Term, error) {
	lit, err := literal(term.List(args))
	if err != nil {
		return nil, fmt.Errorf("erlhost: encode arguments of %s:%s/%d: %w", mod, fun, len(args), err)
	}
	return h.eval(ctx, "erlang:apply("+syntax.WriteAtom(mod, syntax.Unicode)+", "+syntax.WriteAtom(fun, syntax.Unicode)+", "+lit+")")
}

// Self is the mailbox process.
func (h *Host) Self() term.Pid { return h.self }

// Send sends msg to dest from the node.
func (h *Host) Send(ctx context.Context, dest, msg term.Term) error {
	d, err := literal(dest)
	if err != nil {
		return err
	}
	m, err := literal(msg)
	if err != nil {
		return err
	}
	_, err = h.eval(ctx, "erlang:send("+d+", "+m+")")
	if exc, ok := eval.AsException(err); ok {
		exc.Stack = term.Nil
	}
	return err
}

// Receive polls the mailbox process's queue.
func (h *Host) Receive(ctx context.Context, match func(term.Term) bool, timeout time.Duration) (term.Term, bool, error) {
	var deadline time.Time
	if timeout >= 0 {
		deadline = time.Now().Add(timeout)
	}
	self, _ := literal(h.self)
	for {
		q, err := h.eval(ctx, "element(2, erlang:process_info("+self+", messages))")
		if err != nil {
			return nil, false, err
		}
		msgs, _ := term.AsList(q)
		for _, m := range msgs {
			if match(m) {
				lit, err := literal(m)
				if err != nil {
					return nil, false, err
				}
				if _, err := h.eval(ctx, self+" ! {'$avmsh_take', self(), "+lit+"}, receive {'$avmsh_taken', _} -> ok end"); err != nil {
					return nil, false, err
				}
				return m, true, nil
			}
		}
		if timeout >= 0 && !time.Now().Before(deadline) {
			return nil, false, nil
		}
		select {
		case <-ctx.Done():
			return nil, false, ctx.Err()
		case <-time.After(h.Poll):
		}
	}
}

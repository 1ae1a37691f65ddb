package eval

import (
	"context"
	"time"

	"github.com/avmsh/avmsh/vm/term"
)

// fakeHost is a host without a target: every module call is undef; the
// mailbox is a slice.
type fakeHost struct {
	box   []term.Term
	calls []string
}

func (h *fakeHost) Call(ctx context.Context, m, f term.Atom, a []term.Term) (term.Term, error) {
	h.calls = append(h.calls, string(m)+":"+string(f))
	if m == "lists" && f == "reverse" && len(a) == 1 {
		l, _ := term.AsList(a[0])
		out := make(term.List, len(l))
		for i, e := range l {
			out[len(l)-1-i] = e
		}
		return out, nil
	}
	return nil, &Exception{Class: ClassError, Reason: term.Atom("undef"), Stack: term.List{term.Tuple{m, f, term.List(a), term.Nil}}}
}

func (h *fakeHost) Self() term.Pid { return term.NewPid("shell@host", 80, 0, 1) }

func (h *fakeHost) Send(ctx context.Context, d, m term.Term) error {
	if _, ok := d.(term.Pid); !ok {
		return &Exception{Class: ClassError, Reason: term.Atom("badarg"), Stack: term.Nil}
	}
	h.box = append(h.box, m)
	return nil
}

func (h *fakeHost) Receive(ctx context.Context, match func(term.Term) bool, t time.Duration) (term.Term, bool, error) {
	for i, m := range h.box {
		if match(m) {
			h.box = append(h.box[:i:i], h.box[i+1:]...)
			return m, true, nil
		}
	}
	if t < 0 {
		<-ctx.Done()
		return nil, false, ctx.Err()
	}
	return nil, false, nil
}

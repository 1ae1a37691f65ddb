package observe

import (
	"context"
	"testing"

	"github.com/avmsh/avmsh/node"
	"github.com/avmsh/avmsh/vm/term"
)

// beamConn answers a BEAM overview poll with a canned answer.
type beamConn struct{ answer term.Term }

func (c beamConn) Kind(term.Atom) (string, bool) { return node.KindBEAM, true }
func (c beamConn) Call(_ context.Context, _, mod, fun term.Atom, args []term.Term) (term.Term, error) {
	switch {
	case mod == "erl_scan":
		return term.Tuple{term.Atom("ok"), term.List{}, term.Int(1)}, nil
	case mod == "erl_parse":
		return term.Tuple{term.Atom("ok"), term.List{}}, nil
	}
	return term.Tuple{term.Atom("value"), c.answer, term.List{}}, nil
}

// BenchmarkPollOverview is one node's overview poll as the cluster view
// makes it at each refresh (decoding included; the network excluded).
func BenchmarkPollOverview(b *testing.B) {
	mem := term.List{}
	for _, k := range []string{"total", "processes", "processes_used", "system", "atom", "atom_used", "binary", "code", "ets"} {
		mem = append(mem, term.Tuple{term.Atom(k), term.Int(1 << 20)})
	}
	ov := term.Tuple{mem, term.Int(0), term.List{term.Int(47), term.Int(262144), term.Int(9000), term.Int(1048576), term.Int(5), term.Int(65536),
		term.Int(2), term.List{term.Int('2'), term.Int('5')}}, term.Int(60000)}
	c := beamConn{answer: term.Tuple{ov}}
	o := New(Config{Conn: c})
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := o.Poll(ctx, "n@h", SecOverview); err != nil {
			b.Fatal(err)
		}
	}
}

package node

import (
	"testing"

	"github.com/avmsh/avmsh/internal/corpus"
	"github.com/avmsh/avmsh/vm/term"
)

// TestCorpusEchoThroughErl sends every corpus term (and terms made on the
// live node) to an erl echo process and checks that what comes back is
// =:= to what was sent.
func TestCorpusEchoThroughErl(t *testing.T) {
	f := newFixture(t, nil)
	echo := f.erlSpawn(t, "echo", "EchoF = fun Loop() -> receive {From, N, T} -> From ! {echo, N, T}, Loop() end end, EchoF()")
	entries := corpus.Entries()
	live, err := corpus.Live(ctxT(t), f.e)
	if err != nil {
		t.Fatal(err)
	}
	entries = append(entries, live...)
	for i, e := range entries {
		if err := f.inbox.Send(echo, term.Tuple{f.inbox.Self(), term.Int(i), e.Term}); err != nil {
			t.Fatalf("%s: send: %v", e.Label, err)
		}
	}
	for i, e := range entries {
		m := recvMatch(t, f.inbox, tupleTag("echo", 3)).(term.Tuple)
		if m[1] != term.Int(i) {
			t.Fatalf("echo %d arrived out of order (got %v)", i, m[1])
		}
		if !term.ExactEqual(m[2], e.Term) {
			t.Errorf("%s: echoed term differs: %s", e.Label, corpus.Label(m[2]))
		}
	}
	t.Logf("%d terms echoed", len(entries))
}

package app

import (
	"fmt"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/avmsh/avmsh/node/observe"
	"github.com/avmsh/avmsh/tui/nodeview"
	"github.com/avmsh/avmsh/tui/shellpane"
	"github.com/avmsh/avmsh/tui/source"
	"github.com/avmsh/avmsh/tui/view"
	"github.com/avmsh/avmsh/vm/term"
)

// OutputForTest is remote output for the shell pane (benchmarks).
func OutputForTest(s string) tea.Msg { return shellpane.OutputMsg(s) }

// BigNodeForTest returns a message that opens node n in the node view
// with a table of procs synthetic processes (benchmarks).
func BigNodeForTest(n term.Atom, procs int) tea.Msg {
	ps := make([]source.Proc, procs)
	for i := range ps {
		ps[i] = source.Proc{Pid: term.NewPid(n, uint32(i), 0, 1), Name: fmt.Sprintf("worker_%d", i),
			Memory: int64((i * 7919) % 100000), MsgQ: int64(i % 7), Reductions: int64((i * 104729) % 1000000), Current: "gen_server:loop/7"}
	}
	snap := source.Snapshot{Node: n, Kind: "beam", Overview: &source.Overview{Node: n, Memory: map[string]int64{"total": 1 << 24}},
		Procs: &observe.ProcTable{Node: n, Fields: observe.FieldReductions | observe.FieldCurrent | observe.FieldStatus, Procs: ps}}
	return bigNode{node: n, data: nodeview.DataMsg{Node: n, Snap: snap, Rates: observe.Window{Node: n, Fields: snap.Procs.Fields, Rows: rows(ps)}, HasRates: true}}
}

// rows are a table's rows with rates (of a second table: every counter
// moved).
func rows(ps []source.Proc) []observe.ProcRate {
	out := make([]observe.ProcRate, len(ps))
	for i, p := range ps {
		out[i] = observe.ProcRate{Proc: p, RedsRate: float64((i * 31) % 5000), MemDelta: int64(i%13) - 6, MsgQGrowth: int64(i % 3)}
	}
	return out
}

type bigNode struct {
	node term.Atom
	data nodeview.DataMsg
}

func (b bigNode) apply(m Model) Model {
	i := m.viewTitled("Node")
	m.views[i].Update(view.NodeMsg{Node: b.node})
	m.cur = i
	m.views[i].Update(b.data)
	return m
}

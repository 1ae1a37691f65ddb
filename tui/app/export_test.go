package app

import (
	"fmt"

	tea "github.com/charmbracelet/bubbletea"

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
	return bigNode{node: n, data: nodeview.DataMsg{Node: n, Overview: source.Overview{Node: n, Memory: map[string]int64{"total": 1 << 24}}, Procs: ps}}
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

package app

import (
	"fmt"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/avmsh/avmsh/tui/cluster"
	"github.com/avmsh/avmsh/tui/nodeview"
	"github.com/avmsh/avmsh/tui/shellpane"
	"github.com/avmsh/avmsh/tui/source"
	"github.com/avmsh/avmsh/vm/term"
)

// OutputForTest is remote output for the shell pane (benchmarks).
func OutputForTest(s string) tea.Msg { return shellpane.OutputMsg(s) }

// BigNodeForTest returns messages that open node n in the node view with
// a table of procs synthetic processes (benchmarks).
func BigNodeForTest(n term.Atom, procs int) tea.Msg {
	ps := make([]source.Proc, procs)
	for i := range ps {
		ps[i] = source.Proc{Pid: term.NewPid(n, uint32(i), 0, 1), Name: fmt.Sprintf("worker_%d", i),
			Memory: int64((i * 7919) % 100000), MsgQ: int64(i % 7), Reductions: int64((i * 104729) % 1000000), Current: "gen_server:loop/7"}
	}
	return bigNode{open: cluster.OpenMsg{Node: n}, data: nodeview.DataMsg{Node: n, Overview: source.Overview{Node: n, Memory: map[string]int64{"total": 1 << 24}}, Procs: ps}}
}

type bigNode struct {
	open cluster.OpenMsg
	data nodeview.DataMsg
}

func (b bigNode) apply(m Model) Model {
	m.node.SetNode(b.open.Node)
	m.view = ViewNode
	m.node, _ = m.node.Update(b.data)
	return m
}

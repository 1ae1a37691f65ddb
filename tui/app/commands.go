package app

import (
	"context"
	"fmt"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/avmsh/avmsh/tui/cluster"
	"github.com/avmsh/avmsh/tui/devices"
	"github.com/avmsh/avmsh/tui/monitors"
	"github.com/avmsh/avmsh/tui/nodeview"
	"github.com/avmsh/avmsh/tui/shellpane"
	"github.com/avmsh/avmsh/vm/syntax"
	"github.com/avmsh/avmsh/vm/term"
)

// paletteCommands are the ':' commands (help lists them).
var paletteCommands = [][2]string{
	{"connect NODE", "connect to NODE (name, name@host or serial:PORT)"},
	{"disconnect NODE", "drop the connection to NODE"},
	{"node NODE", "open NODE in the node view (and target the shell at it)"},
	{"monitor PID|NAME@NODE", "monitor a process; its DOWN appears in Monitors"},
	{"send DEST TERM", "send TERM to a pid, name or {Name,Node}"},
	{"exit PID [REASON]", "send an exit signal (default kill)"},
	{"refresh", "poll now"},
	{"quit", "leave (also q)"},
}

// command runs a palette command.
func (m Model) command(text string) (tea.Model, tea.Cmd) {
	fields := strings.Fields(text)
	if len(fields) == 0 {
		return m, nil
	}
	name, rest := fields[0], strings.TrimSpace(strings.TrimPrefix(text, fields[0]))
	src := m.src
	async := func(f func(ctx context.Context) string) tea.Cmd {
		return func() tea.Msg {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			return statusMsg(f(ctx))
		}
	}
	parse := func(s string) (term.Term, error) {
		return syntax.Parse(s, syntax.ParseOptions{Node: syntax.NodeContext{Local: src.LocalName()}})
	}
	switch name {
	case "q", "quit", "q!":
		return m, tea.Quit
	case "refresh", "r":
		m.polling[m.view] = false
		return m, m.poll()
	case "connect", "c":
		return m, async(func(ctx context.Context) string {
			n, err := src.Connect(ctx, rest)
			if err != nil {
				return fmt.Sprintf("connect %s: %v", rest, err)
			}
			return "connected to " + string(n)
		})
	case "disconnect":
		return m, async(func(context.Context) string {
			if err := src.Disconnect(term.Atom(rest)); err != nil {
				return err.Error()
			}
			return "disconnected from " + rest
		})
	case "node", "n":
		return m, func() tea.Msg { return cluster.OpenMsg{Node: term.Atom(rest)} }
	case "monitor", "mon":
		var target term.Term
		if i := strings.IndexByte(rest, '@'); i > 0 && !strings.HasPrefix(rest, "<") {
			target = term.Tuple{term.Atom(rest[:i]), term.Atom(rest[i+1:])} // name@node
		} else {
			t, err := parse(rest)
			if err != nil {
				m.status = "monitor: " + err.Error()
				return m, nil
			}
			target = t
		}
		return m, async(func(ctx context.Context) string {
			if err := src.Monitor(ctx, target); err != nil {
				return "monitor: " + err.Error()
			}
			return "monitoring " + syntax.Write(target, syntax.Options{})
		})
	case "send":
		parts := strings.SplitN(rest, " ", 2)
		if len(parts) != 2 {
			m.status = "usage: send DEST TERM"
			return m, nil
		}
		dest, err := parse(parts[0])
		if err != nil {
			m.status = "send: " + err.Error()
			return m, nil
		}
		msg, err := parse(parts[1])
		if err != nil {
			m.status = "send: " + err.Error()
			return m, nil
		}
		return m, async(func(ctx context.Context) string {
			if err := src.Send(ctx, dest, msg); err != nil {
				return "send: " + err.Error()
			}
			return "sent"
		})
	case "exit":
		parts := strings.SplitN(rest, " ", 2)
		t, err := parse(parts[0])
		pid, ok := t.(term.Pid)
		if err != nil || !ok {
			m.status = "usage: exit PID [REASON]"
			return m, nil
		}
		var reason term.Term = term.Atom("kill")
		if len(parts) == 2 {
			if reason, err = parse(parts[1]); err != nil {
				m.status = "exit: " + err.Error()
				return m, nil
			}
		}
		return m, async(func(ctx context.Context) string {
			if err := src.Exit(ctx, pid, reason); err != nil {
				return "exit: " + err.Error()
			}
			return "exit signal sent"
		})
	}
	m.status = fmt.Sprintf("unknown command %q (? lists them)", name)
	return m, nil
}

// helpView lists every key and command.
func (m Model) helpView() string {
	var b strings.Builder
	section := func(title string, keys [][2]string) {
		b.WriteString(m.th.Header.Render(title) + "\n")
		for _, k := range keys {
			b.WriteString(fmt.Sprintf("  %-24s %s\n", k[0], k[1]))
		}
	}
	section("Everywhere", [][2]string{{"tab / shift+tab", "next / previous view"}, {"1-5", "Cluster, Node, Monitors, Devices, Shell"},
		{":", "command palette"}, {"/", "filter this view (esc clears)"}, {"esc", "back"}, {"?", "this help (any key closes)"}, {"q, ctrl+c", "quit"}})
	section("Cluster", cluster.Keys())
	section("Node", nodeview.Keys())
	section("Monitors", monitors.Keys())
	section("Devices", devices.Keys())
	section("Shell", shellpane.Keys())
	section("Commands (:)", paletteCommands)
	return b.String()
}

package app

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/avmsh/avmsh/tui/view"
	"github.com/avmsh/avmsh/vm/term"
)

// commands are the ':' palette's commands: the app's own, one per view
// (its title shows it), then those the views add (view.Commander).
func (m Model) commands() []view.Command {
	cmds := []view.Command{
		{Name: "node", Aliases: []string{"n"}, Args: "NODE", Help: "open NODE in the node view (and target the shell at it)",
			Run: func(args string) tea.Cmd {
				if args == "" {
					return view.Status("usage: node NODE")
				}
				return func() tea.Msg { return view.NodeMsg{Node: term.Atom(args), Show: "Node"} }
			}},
		{Name: "refresh", Aliases: []string{"r"}, Help: "poll now", Run: func(string) tea.Cmd { return view.Refresh() }},
		{Name: "quit", Aliases: []string{"q", "q!"}, Help: "leave (also q)", Run: func(string) tea.Cmd { return tea.Quit }},
	}
	for _, v := range m.views {
		title := v.Title()
		cmds = append(cmds, view.Command{Name: strings.ToLower(title), Help: "show the " + title + " view",
			Run: func(string) tea.Cmd { return view.Show(title) }})
	}
	for _, v := range m.views {
		if c, ok := v.(view.Commander); ok {
			cmds = append(cmds, c.Commands()...)
		}
	}
	return cmds
}

// command runs a palette command. A view's title is a command too, but
// a command of the same name given arguments ("node app@host") wins.
func (m Model) command(text string) (tea.Model, tea.Cmd) {
	fields := strings.Fields(text)
	if len(fields) == 0 {
		return m, nil
	}
	name, rest := fields[0], strings.TrimSpace(strings.TrimPrefix(text, fields[0]))
	if i := m.viewTitled(name); i >= 0 && rest == "" {
		return m, m.switchTo(i)
	}
	for _, c := range m.commands() {
		if c.Name == name || containsString(c.Aliases, name) {
			return m, c.Run(rest)
		}
	}
	m.status = fmt.Sprintf("unknown command %q (? lists them)", name)
	return m, nil
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// helpSections are the help screen: the global keys, each view's keys
// and the palette's commands, all as key bindings.
func (m Model) helpSections() (titles []string, groups [][]key.Binding) {
	titles = append(titles, "Everywhere")
	groups = append(groups, m.keys.FullHelp())
	order := []int{m.cur} // the view on screen first
	for i := range m.views {
		if i != m.cur {
			order = append(order, i)
		}
	}
	for _, i := range order {
		titles = append(titles, fmt.Sprintf("%s (%d)", m.views[i].Title(), i+1))
		groups = append(groups, m.views[i].Bindings())
	}
	var cmds, names []string
	for _, v := range m.views {
		names = append(names, strings.ToLower(v.Title()))
	}
	var bs []key.Binding
	for _, c := range m.commands() {
		if m.viewTitled(c.Name) >= 0 && c.Args == "" {
			continue // a view's name: listed once below
		}
		k := c.Name
		if c.Args != "" {
			k += " " + c.Args
		}
		bs = append(bs, key.NewBinding(key.WithKeys(c.Name), key.WithHelp(k, c.Help)))
	}
	cmds = append(cmds, strings.Join(names, ", "))
	bs = append(bs, key.NewBinding(key.WithKeys(names...), key.WithHelp(cmds[0], "show that view")))
	titles = append(titles, "Commands (: or ctrl+o)")
	groups = append(groups, bs)
	return titles, groups
}

// helpLines are the help screen's lines.
func (m Model) helpLines() []string {
	titles, groups := m.helpSections()
	var lines []string
	for i, g := range groups {
		if len(g) == 0 {
			continue
		}
		lines = append(lines, m.th.Header.Render(titles[i]))
		for _, l := range strings.Split(m.help.FullHelpView([][]key.Binding{g}), "\n") {
			lines = append(lines, "  "+l)
		}
	}
	return lines
}

// helpView renders the help screen, from line helpTop on.
func (m Model) helpView() string {
	lines := m.helpLines()
	return strings.Join(lines[min(m.helpTop, len(lines)):], "\n")
}

// helpKey scrolls the help screen; any other key closes it.
func (m Model) helpKey(msg tea.KeyMsg) Model {
	switch msg.String() {
	case "down", "j":
		m.helpTop++
	case "up", "k":
		m.helpTop = max(m.helpTop-1, 0)
	case "pgdown", " ":
		m.helpTop += max(m.height-4, 1)
	case "pgup":
		m.helpTop = max(m.helpTop-max(m.height-4, 1), 0)
	default:
		m.showHelp = false
	}
	m.helpTop = min(m.helpTop, max(len(m.helpLines())-max(m.height-4, 1), 0))
	return m
}

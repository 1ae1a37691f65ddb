package devices

import (
	"context"
	"fmt"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/avmsh/avmsh/tui/source"
	"github.com/avmsh/avmsh/tui/theme"
)

// ListMsg carries a device listing.
type ListMsg struct {
	Devices []source.Device
	Err     error
}

// StatusMsg is a line for the app's status bar.
type StatusMsg string

// Model is the devices view.
type Model struct {
	src    source.Source
	th     theme.Theme
	devs   []source.Device
	cursor int
	err    error
}

// New returns the view.
func New(src source.Source, th theme.Theme) Model { return Model{src: src, th: th} }

// Poll lists the ports (only while the view is on screen).
func (m Model) Poll() tea.Cmd {
	src := m.src
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		d, err := src.Devices(ctx)
		return ListMsg{Devices: d, Err: err}
	}
}

// Update handles keys and listings.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	switch msg := msg.(type) {
	case ListMsg:
		m.devs, m.err = msg.Devices, msg.Err
		if m.cursor >= len(m.devs) {
			m.cursor = max(len(m.devs)-1, 0)
		}
	case tea.KeyMsg:
		switch msg.String() {
		case "up", "k":
			if m.cursor > 0 {
				m.cursor--
			}
		case "down", "j":
			if m.cursor < len(m.devs)-1 {
				m.cursor++
			}
		case "R":
			if m.cursor < len(m.devs) {
				d, src := m.devs[m.cursor], m.src
				return m, func() tea.Msg {
					ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
					defer cancel()
					if err := src.Reset(ctx, d.Path); err != nil {
						return StatusMsg("reset: " + err.Error())
					}
					return StatusMsg("reset " + d.Path)
				}
			}
		case "enter", "c":
			if m.cursor < len(m.devs) {
				d, src := m.devs[m.cursor], m.src
				return m, func() tea.Msg {
					ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
					defer cancel()
					n, err := src.Connect(ctx, "serial:"+d.Path)
					if err != nil {
						return StatusMsg(fmt.Sprintf("connect over %s: %v", d.Path, err))
					}
					return StatusMsg(fmt.Sprintf("%s is %s", d.Path, n))
				}
			}
		}
	}
	return m, nil
}

var widths = []int{22, 10, 22, 24, 8, 28}

// View renders the list.
func (m Model) View(width, height int) string {
	var b strings.Builder
	b.WriteString(m.th.Header.Render(theme.Row(widths, "PORT", "USB", "BOARD", "PRODUCT", "ACCESS", "NODE")) + "\n")
	if m.err != nil {
		b.WriteString(m.th.Bad.Render(m.err.Error()) + "\n")
	}
	if len(m.devs) == 0 {
		b.WriteString(m.th.Dim.Render("no serial ports (plug a board in; the list refreshes)") + "\n")
	}
	for i, d := range m.devs {
		if i >= height-2 {
			break
		}
		line := theme.Cell(theme.Row(widths, d.Path, d.USB, d.Board, d.Product, d.Access, string(d.Node)), width)
		if i == m.cursor {
			line = m.th.Selected.Render(line)
		}
		b.WriteString(line + "\n")
	}
	// The selected board's console (shared with distribution on the
	// same port) fills the rest.
	if m.cursor < len(m.devs) {
		d := m.devs[m.cursor]
		rows := height - len(m.devs) - 3
		switch {
		case rows <= 0:
		case !d.Open:
			b.WriteString(m.th.Dim.Render("console: connect to the board (enter) to open its port") + "\n")
		default:
			b.WriteString(m.th.Header.Render("console "+d.Path) + "\n")
			lines := d.Console
			if len(lines) > rows {
				lines = lines[len(lines)-rows:]
			}
			for _, l := range lines {
				b.WriteString(theme.Cell(l, width) + "\n")
			}
		}
	}
	return b.String()
}

// Keys is the view's key help.
func Keys() [][2]string {
	return [][2]string{{"↑/↓", "select"}, {"enter / c", "connect to the board as a node (serial); its console shows below"},
		{"R", "reset the board (DTR/RTS)"}}
}

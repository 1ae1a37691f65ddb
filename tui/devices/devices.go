package devices

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	serial "github.com/avmsh/avmsh/devices"
	"github.com/avmsh/avmsh/tui/source"
	"github.com/avmsh/avmsh/tui/theme"
	"github.com/avmsh/avmsh/tui/view"
)

// Source is what the devices view reads and does. A Source that is also
// a source.Flasher (source.Live is) lets the view flash boards (f).
type Source interface {
	source.Boards
	source.Connections
}

// ListMsg carries a device listing.
type ListMsg struct {
	Devices []source.Device
	Err     error
}

// Model is the devices view.
type Model struct {
	src    Source
	th     theme.Theme
	width  int
	height int
	keys   keyMap
	devs   []source.Device
	filter string
	cur    view.Cursor
	err    error

	flasher source.Flasher // nil: no flashing
	fl      flow           // the flash in the view
	opts    []flashOption  // the options line's toggles
}

type keyMap struct{ connect, reset, flash key.Binding }

// New returns the view.
func New(src Source, th theme.Theme) *Model {
	m := &Model{src: src, th: th, width: 100, height: 27, keys: keyMap{
		connect: key.NewBinding(key.WithKeys("enter", "c"), key.WithHelp("enter/c", "connect to the board as a node (serial); its console shows below")),
		reset:   key.NewBinding(key.WithKeys("R"), key.WithHelp("R", "reset the board (DTR/RTS)")),
		flash:   key.NewBinding(key.WithKeys("f"), key.WithHelp("f", "flash a file onto the board: an .avm, or AtomVM itself (.img, .uf2); esc cancels")),
	}}
	m.flasher, _ = src.(source.Flasher)
	m.opts = flashOptions()
	return m
}

// Title is the tab's label.
func (m *Model) Title() string { return "Devices" }

// Init starts nothing: the app polls.
func (m *Model) Init() tea.Cmd { return nil }

// SetSize sets the body's size.
func (m *Model) SetSize(w, h int) { m.width, m.height = w, h }

// Status says what the keys of a flash do (empty otherwise: the list
// says it all).
func (m *Model) Status() string { return m.flashStatus() }

// Bindings are the view's keys.
func (m *Model) Bindings() []key.Binding {
	b := append(view.NavKeys(), m.keys.connect, m.keys.reset)
	if m.flasher != nil {
		b = append(append(b, m.keys.flash), m.optionBindings()...)
	}
	return b
}

// Captures takes the keys of a flash: all but ctrl+c while a path is
// typed, all but ctrl+c and ? while the plan and its options show, esc and ctrl+c (cancel) while it runs, esc
// (close) while its result shows.
func (m *Model) Captures(msg tea.KeyMsg) bool { return m.flashCaptures(msg) }

// SetFilter keeps the ports whose path, USB id, board, product or node
// contains f.
func (m *Model) SetFilter(f string) { m.filter = f; m.cur.Pos = 0 }

func (m *Model) visible() []source.Device {
	if m.filter == "" {
		return m.devs
	}
	var out []source.Device
	for _, d := range m.devs {
		for _, s := range []string{d.Path, d.USB, d.Board, d.Product, string(d.Node)} {
			if strings.Contains(s, m.filter) {
				out = append(out, d)
				break
			}
		}
	}
	return out
}

// Poll lists the ports (only while the view is on screen).
func (m *Model) Poll() tea.Cmd {
	src := m.src
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		d, err := src.Devices(ctx)
		return ListMsg{Devices: d, Err: err}
	}
}

// Update handles keys and listings.
func (m *Model) Update(msg tea.Msg) tea.Cmd {
	if cmd, ok := m.updateFlash(msg); ok {
		return cmd
	}
	if k, ok := msg.(tea.KeyMsg); ok && m.flashCaptures(k) {
		return m.flashKeyMsg(k)
	}
	switch msg := msg.(type) {
	case ListMsg:
		m.devs, m.err = msg.Devices, msg.Err
		m.cur.Clamp(len(m.visible()))
	case tea.KeyMsg:
		v := m.visible()
		if m.cur.Move(msg, len(v), 5) || m.cur.Pos >= len(v) {
			return nil
		}
		d, src := v[m.cur.Pos], m.src
		switch {
		case key.Matches(msg, m.keys.flash):
			return m.flashKey(d)
		case key.Matches(msg, m.keys.reset):
			return func() tea.Msg {
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				if err := src.Reset(ctx, d.Path); err != nil {
					return view.StatusMsg("reset: " + err.Error())
				}
				return view.StatusMsg("reset " + d.Path)
			}
		case key.Matches(msg, m.keys.connect):
			return func() tea.Msg {
				ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
				defer cancel()
				n, err := src.Connect(ctx, "serial:"+d.Path)
				if err != nil {
					return view.StatusMsg(fmt.Sprintf("connect over %s: %v", d.Path, err))
				}
				return view.StatusMsg(fmt.Sprintf("%s is %s", d.Path, n))
			}
		}
	}
	return nil
}

var widths = []int{22, 10, 22, 24, 8, 28}

// View renders the list and the selected board's console.
func (m *Model) View() string {
	width, height := m.width, m.height
	var b strings.Builder
	b.WriteString(m.th.Header.Render(theme.Row(widths, "PORT", "USB", "BOARD", "PRODUCT", "ACCESS", "NODE")) + "\n")
	if m.err != nil {
		b.WriteString(m.th.Bad.Render(m.err.Error()) + "\n")
	}
	v := m.visible()
	switch {
	case len(m.devs) == 0:
		b.WriteString(m.th.Dim.Render("no serial ports (plug a board in; the list refreshes)") + "\n")
	case len(v) == 0:
		b.WriteString(m.th.Dim.Render("no port matches the filter") + "\n")
	}
	// A flash (its prompt, progress or result) shows between the list
	// and the console.
	panel, panelRows := m.flashView(width), 0
	if panel != "" {
		panelRows = strings.Count(panel, "\n") + 1
	}
	for i, d := range v {
		if i >= height-2-panelRows {
			break
		}
		line := theme.Cell(theme.Row(widths, d.Path, d.USB, d.Board, d.Product, d.Access, string(d.Node)), width)
		if i == m.cur.Pos {
			line = m.th.Selected.Render(line)
		}
		b.WriteString(line + "\n")
	}
	if panel != "" {
		b.WriteString(panel + "\n")
	}
	// The selected board's console (shared with distribution on the
	// same port) fills the rest.
	if m.cur.Pos < len(v) {
		d := v[m.cur.Pos]
		rows := height - len(v) - 3 - panelRows
		switch {
		case rows <= 0:
		case !d.Open && m.fl.stage == stageRunning && d.Path == m.fl.port:
			b.WriteString(m.th.Dim.Render("console: the port is with the flasher; the board's boot shows here afterwards") + "\n")
		case !d.Open:
			b.WriteString(m.th.Dim.Render("console: connect to the board (enter) to open its port") + "\n")
		default:
			b.WriteString(m.th.Header.Render("console "+d.Path) + "\n")
			lines := d.Console
			if len(lines) > rows {
				lines = lines[len(lines)-rows:]
			}
			for _, l := range lines {
				// What the board printed, with its control characters
				// made visible: it cannot drive the terminal.
				b.WriteString(theme.Cell(serial.Visible(l), width) + "\n")
			}
		}
	}
	return b.String()
}

package fleetview

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/avmsh/avmsh/devices/fleet"
	"github.com/avmsh/avmsh/tui/source"
	"github.com/avmsh/avmsh/tui/theme"
	"github.com/avmsh/avmsh/tui/view"
)

// Source is what the fleet view reads.
type Source interface {
	source.Fleet
}

// BoardsMsg carries one read of the fleet.
type BoardsMsg struct {
	Boards []source.FleetBoard
	Err    error
}

// Model is the fleet view.
type Model struct {
	src    Source
	th     theme.Theme
	now    func() time.Time
	width  int
	height int
	boards []source.FleetBoard
	filter string
	cur    view.Cursor
	err    error
}

// New returns the view.
func New(src Source, th theme.Theme) *Model {
	return &Model{src: src, th: th, now: time.Now, width: 100, height: 27}
}

// SetClock replaces the clock ages are measured with (tests).
func (m *Model) SetClock(now func() time.Time) { m.now = now }

// Title is the tab's label.
func (m *Model) Title() string { return "Fleet" }

// Init starts nothing: the app polls.
func (m *Model) Init() tea.Cmd { return nil }

// SetSize sets the body's size.
func (m *Model) SetSize(w, h int) { m.width, m.height = w, h }

// Status is empty: the table says it all.
func (m *Model) Status() string { return "" }

// Bindings are the view's keys.
func (m *Model) Bindings() []key.Binding { return view.NavKeys() }

// SetFilter keeps the boards whose id, chip, version, image or node
// contains f.
func (m *Model) SetFilter(f string) { m.filter = f; m.cur.Pos = 0 }

// Poll reads the fleet (a file on this machine; no node is asked).
func (m *Model) Poll() tea.Cmd {
	src := m.src
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		bs, err := src.Fleet(ctx)
		return BoardsMsg{Boards: bs, Err: err}
	}
}

// Update handles the fleet read and the keys.
func (m *Model) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case BoardsMsg:
		m.err = msg.Err
		if msg.Err == nil || msg.Boards != nil {
			m.boards = msg.Boards
		}
		m.cur.Clamp(len(m.visible()))
	case tea.KeyMsg:
		m.cur.Move(msg, len(m.visible()), m.height-6)
	}
	return nil
}

func (m *Model) visible() []source.FleetBoard {
	if m.filter == "" {
		return m.boards
	}
	var out []source.FleetBoard
	for _, b := range m.boards {
		if strings.Contains(strings.Join(fields(b), " "), m.filter) {
			out = append(out, b)
		}
	}
	return out
}

var widths = []int{18, 8, 11, 13, 9, 8, 9, 20, 4}

// fields are a board's searchable texts.
func fields(b source.FleetBoard) []string {
	out := []string{name(b), b.Chip, b.AtomVM, b.Node}
	if f := b.LastFlash; f != nil {
		out = append(out, f.File, f.MD5)
	}
	return out
}

// name is how a board is called: its port, or its USB identity.
func name(b source.FleetBoard) string {
	if b.ID.Port != "" {
		return b.ID.Port
	}
	return strings.TrimPrefix(b.Key, "usb:")
}

// View renders the table and the selected board's partitions.
func (m *Model) View() string {
	var b strings.Builder
	b.WriteString(m.th.Header.Render(theme.Row(widths, "BOARD", "CHIP", "ATOMVM", "LAST .AVM", "SIZE", "MD5", "FLASHED", "NODE", "UP")) + "\n")
	v := m.visible()
	differ := 0
	for _, bd := range m.boards {
		if bd.VersionDiffers {
			differ++
		}
	}
	if len(v) == 0 {
		b.WriteString(m.th.Dim.Render("  no boards yet: boards appear once avmsh flashed them or the dashboard connected to them") + "\n")
	}
	rows := max(m.height-7, 1)
	start := m.cur.Start(rows)
	for i := start; i < len(v) && i-start < rows; i++ {
		line := theme.Cell(m.row(v[i]), m.width)
		switch {
		case i == m.cur.Pos:
			line = m.th.Selected.Render(line)
		case v[i].VersionDiffers:
			line = m.th.Warn.Render(line)
		}
		b.WriteString(line + "\n")
	}
	note := fmt.Sprintf("%d boards", len(m.boards))
	if differ > 0 {
		note += fmt.Sprintf("; %d run an AtomVM version other than most boards' (marked ≠)", differ)
	}
	b.WriteString(m.th.Dim.Render(note) + "\n")
	if m.err != nil {
		b.WriteString(m.th.Bad.Render(theme.Cell("fleet: "+m.err.Error(), m.width)) + "\n")
	}
	if m.cur.Pos < len(v) {
		b.WriteString(m.detail(v[m.cur.Pos]))
	}
	return b.String()
}

// row is one board's line.
func (m *Model) row(bd source.FleetBoard) string {
	avm := dash(bd.AtomVM)
	if bd.VersionDiffers {
		avm += " ≠"
	}
	file, size, md5, when := "-", "-", "-", "-"
	if f := bd.LastFlash; f != nil {
		file, size, when = f.File, theme.Bytes(f.Size), m.age(f.At)
		if len(f.MD5) >= 8 {
			md5 = f.MD5[:8]
		}
	}
	up := "down"
	if bd.Up {
		up = "up"
	}
	return theme.Row(widths, name(bd), dash(bd.Chip), avm, file, size, md5, when, dash(bd.Node), up)
}

// detail is the selected board's identity, flash record and partitions.
func (m *Model) detail(bd source.FleetBoard) string {
	var lines []string
	id := bd.Key
	if bd.ID.Port != "" && !strings.HasPrefix(id, "port:") {
		id += " on " + bd.ID.Port
	}
	if !bd.SeenAt.IsZero() {
		id += ", last seen by the dashboard " + m.age(bd.SeenAt)
	}
	lines = append(lines, m.th.Header.Render(id))
	if f := bd.LastFlash; f != nil {
		where := ""
		if f.Partition != "" {
			where = " into " + f.Partition
		}
		if f.Offset != 0 {
			where += fmt.Sprintf(" at 0x%x", f.Offset)
		}
		lines = append(lines, fmt.Sprintf("  last flashed %s, %s (%d bytes), md5 %s", f.At.Format("2006-01-02 15:04"), f.File, f.Size, f.MD5),
			fmt.Sprintf("    written%s; %d flash(es) by avmsh", where, bd.Flashes))
	}
	if len(bd.Partitions) == 0 {
		lines = append(lines, "  partitions: unknown (recorded when avmsh flashes the board)")
	} else {
		lines = append(lines, "  partitions:")
		for _, p := range bd.Partitions {
			lines = append(lines, "    "+partText(p))
		}
	}
	return theme.Clip(strings.Join(lines, "\n"), m.width, max(m.height-len(m.visible())-4, 1)) + "\n"
}

func partText(p fleet.Partition) string {
	t := p.Type
	if p.SubType != "" {
		t += "/" + p.SubType
	}
	return fmt.Sprintf("%-12s %-14s 0x%06x  %s", p.Name, t, p.Offset, theme.Bytes(int64(p.Size)))
}

// age says how long ago t was ("-" for never).
func (m *Model) age(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	d := m.now().Sub(t)
	if d < time.Second {
		return "now"
	}
	return theme.Duration(d.Truncate(time.Second)) + " ago"
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

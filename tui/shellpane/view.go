package shellpane

import (
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/avmsh/avmsh/tui/source"
	"github.com/avmsh/avmsh/tui/theme"
	"github.com/avmsh/avmsh/tui/view"
	"github.com/avmsh/avmsh/vm/term"
)

// Pane is the shell pane as a dashboard view (view.View). It wraps
// Model, which does the work; the pane takes every key that types text
// (view.TypingCapturer), targets the node picked in other views, and
// starts the target's shell when it comes on screen.
type Pane struct {
	view.TypingCapturer // it takes every key that types text
	m                   Model
	width               int
	height              int
	filter              string
}

// NewPane returns the pane targeting node; t is the terminal of the
// group leaders whose output and input it shows (nil: its own).
func NewPane(src source.Shells, th theme.Theme, t *Terminal, node term.Atom) *Pane {
	p := &Pane{TypingCapturer: view.NewTypingCapturer(), m: New(src, th, t), width: 100, height: 27}
	p.m.SetNode(node)
	return p
}

// Captures takes every key that types text and tab, which completes in
// the shell (shift+tab still switches views).
func (p *Pane) Captures(msg tea.KeyMsg) bool {
	return msg.Type == tea.KeyTab || p.TypingCapturer.Captures(msg)
}

// Title is the tab's label.
func (p *Pane) Title() string { return "Shell" }

// Init listens to the terminal (output and input requests arrive
// whatever the view on screen).
func (p *Pane) Init() tea.Cmd { return p.m.Listen() }

// Update gives everything to the pane's model; a node picked elsewhere
// becomes the target.
func (p *Pane) Update(msg tea.Msg) tea.Cmd {
	if n, ok := msg.(view.NodeMsg); ok {
		p.m.SetNode(n.Node)
		return nil
	}
	var cmd tea.Cmd
	p.m, cmd = p.m.Update(msg)
	return cmd
}

// Focus starts the target's shell when the pane comes on screen.
func (p *Pane) Focus() tea.Cmd { return p.m.Activate() }

// Blur does nothing: the shell goes on.
func (p *Pane) Blur() {}

// SetSize sets the body's size.
func (p *Pane) SetSize(w, h int) { p.width, p.height = w, h }

// SetFilter keeps the scrollback lines that contain f.
func (p *Pane) SetFilter(f string) { p.filter = f }

// Status is empty: the prompt says it all.
func (p *Pane) Status() string { return "" }

// Bindings are the pane's keys (Keys, as key bindings for the help).
func (p *Pane) Bindings() []key.Binding {
	var out []key.Binding
	for _, k := range Keys() {
		out = append(out, key.NewBinding(key.WithKeys(k[0]), key.WithHelp(k[0], k[1])))
	}
	return out
}

// View renders the scrollback and the prompt; with a filter, only the
// scrollback lines that contain it.
func (p *Pane) View() string {
	if p.filter == "" {
		return p.m.View(p.width, p.height)
	}
	all := strings.Split(strings.TrimSuffix(p.m.View(p.width, 1<<20), "\n"), "\n")
	prompt := all[len(all)-1]
	var kept []string
	for _, l := range all[:len(all)-1] {
		if strings.Contains(l, p.filter) {
			kept = append(kept, l)
		}
	}
	if rows := max(p.height-1, 1); len(kept) > rows {
		kept = kept[len(kept)-rows:]
	}
	return strings.Join(append(kept, prompt), "\n") + "\n"
}

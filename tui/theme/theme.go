package theme

import "github.com/charmbracelet/lipgloss"

// Theme is the set of styles the views use.
type Theme struct {
	Title, Tab, ActiveTab, Header, Selected, Dim, Good, Bad, Warn, Help, Box lipgloss.Style
}

// New returns the styles for renderer r (lipgloss.DefaultRenderer() in
// the program; a fixed no-colour renderer in golden tests).
func New(r *lipgloss.Renderer) Theme {
	accent := lipgloss.AdaptiveColor{Light: "#005FAF", Dark: "#5FAFFF"}
	return Theme{
		Title:     r.NewStyle().Bold(true).Foreground(accent),
		Tab:       r.NewStyle().Padding(0, 1),
		ActiveTab: r.NewStyle().Padding(0, 1).Bold(true).Reverse(true),
		Header:    r.NewStyle().Bold(true).Underline(true),
		Selected:  r.NewStyle().Reverse(true),
		Dim:       r.NewStyle().Faint(true),
		Good:      r.NewStyle().Foreground(lipgloss.AdaptiveColor{Light: "#008700", Dark: "#87D787"}),
		Bad:       r.NewStyle().Foreground(lipgloss.AdaptiveColor{Light: "#AF0000", Dark: "#FF5F5F"}).Bold(true),
		Warn:      r.NewStyle().Foreground(lipgloss.AdaptiveColor{Light: "#AF5F00", Dark: "#FFAF5F"}),
		Help:      r.NewStyle().Faint(true),
		Box:       r.NewStyle().Border(lipgloss.NormalBorder()).Padding(0, 1),
	}
}

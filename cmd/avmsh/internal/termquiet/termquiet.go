package termquiet

import "github.com/charmbracelet/lipgloss"

// init runs before bubbletea's init (see the package documentation).
func init() {
	lipgloss.SetHasDarkBackground(true)
}

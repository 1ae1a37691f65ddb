package noquery

import "github.com/charmbracelet/lipgloss"

func init() {
	// Dark is what termenv assumes when a terminal does not answer.
	lipgloss.DefaultRenderer().SetHasDarkBackground(true)
}

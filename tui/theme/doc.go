// Package theme holds the TUI's styles: lipgloss adaptive colours for
// light and dark terminals, and plain text when colour is off (NO_COLOR,
// TERM=dumb, or not a terminal — lipgloss's renderer detects those).
package theme

// Package theme holds the TUI's styles: lipgloss adaptive colours for
// light and dark terminals, and plain text when colour is off (NO_COLOR,
// TERM=dumb, or not a terminal).
//
// Styles are built explicitly (New, ForTerminal), never at package
// level: building them asks the terminal nothing. The dashboard, and
// only it, asks the terminal for its background once with Detect (a
// short timeout, inside the alternate screen, echo off); noquery keeps
// bubbletea from asking at every program's start.
package theme

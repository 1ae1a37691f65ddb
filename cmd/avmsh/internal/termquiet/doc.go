// Package termquiet keeps avmsh's commands from querying the terminal.
//
// Bubble Tea (the dashboard's framework) asks Lip Gloss at package
// initialisation whether the terminal has a dark background
// (bubbletea's tea_init.go). Lip Gloss asks the terminal with OSC 11 and
// a cursor-position report (ESC ]11;? ESC \ ESC [6n) and waits up to 5 s
// for the answer, so on a terminal that does not answer (a serial
// console, script(1), some CI runners) every avmsh command, even
// --version, hung for 5 s and left the query bytes on the screen.
//
// Importing this package for its side effect tells Lip Gloss's default
// renderer the background (dark) before Bubble Tea's init runs, so that
// nothing is asked. Go initialises packages in the order of their
// sorted import paths, each after its imports (the Go spec, "Package
// initialization", since Go 1.21); this package's path sorts before
// github.com/charmbracelet/bubbletea and it imports only lipgloss, which
// bubbletea imports too, so it is always initialised first.
//
// The dashboard detects the real background itself, on its own renderer,
// before it takes the terminal (cmd/avmsh/internal/cmd/tui).
package termquiet

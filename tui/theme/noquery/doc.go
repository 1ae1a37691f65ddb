// Package noquery keeps programs that link bubbletea v1 from querying
// the terminal when they start.
//
// bubbletea v1 asks the terminal for its background colour in an init
// function (tea_init.go: lipgloss.HasDarkBackground on the default
// renderer), so every avmsh command — `avmsh --version` included — wrote
// ESC]11;? ESC[6n to its terminal and, when nothing answered (a pty under
// `script`, a serial console), waited termenv's 5 s and left the query on
// the screen. This package's init runs before bubbletea's (packages are
// initialised in import-path order among those whose imports are ready,
// and it needs only lipgloss, which bubbletea needs too) and settles the
// default renderer's background without asking, so that init asks
// nothing. The dashboard asks the terminal itself, once, with a short
// timeout (theme.Detect); nothing else in avmsh may.
//
// It is imported by tui/theme, so every binary with the dashboard has
// it; a program that links bubbletea without tui/theme imports it
// blank: import _ "github.com/avmsh/avmsh/tui/theme/noquery".
package noquery

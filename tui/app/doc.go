// Package app is the TUI's root model. It holds a list of views
// (view.View: DefaultViews, or Options.Views to add one) and does what
// is common to them: the tab bar, view switching (Tab, 1–9, Esc back),
// one routing path for every key (the view when it captures the key,
// then the global keys, then the view), the ':' command palette (the
// app's commands and those the views add), the '/' filter of every
// view, the '?' help generated from the views' key bindings, the status
// line, and adaptive polling — one tick per refresh interval polls only
// the view on screen, and a poll never starts while the previous one of
// the same view is still running.
package app

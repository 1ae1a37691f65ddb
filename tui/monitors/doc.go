// Package monitors is the TUI's monitors view: a live log of everything
// avmsh watches — nodeup/nodedown, DOWN messages with their reasons,
// link exits, messages to the watcher, and crash events — with counts
// and a filter. New monitors are added from the command palette
// (:monitor PID|NAME@NODE) or from the node view.
//
// Crash events are the dumps AtomVM boards print on their consoles
// (parsed by devices/crashlog in the source) and process exits seen
// through monitors and links (a DOWN or EXIT with a reason other than
// normal). They are marked "*": enter shows one in full (reason, stack
// frames, the text as received), s saves it as a Markdown report
// (crashlog.WriteReport, in ReportDir; the status line says where).
// Dumps of erpc calls — every RPC to a board prints one — are counted
// in the header, not listed.
package monitors

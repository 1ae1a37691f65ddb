// Package crashlog turns the crash dumps AtomVM prints on a board's
// console into structured events: node, pid, class and reason, the
// stack trace (with frames), the registers, stack, mailbox and monitors
// sections, and the raw text kept as printed. The dump's layout is
// context_dump() in AtomVM's src/libAtomVM/context.c ("CRASH",
// "======", "pid:", "Stacktrace:", "cp:", "x[0..2]:", "Stack",
// "Mailbox", "Monitors", on out_of_memory "Context memory info" and
// "Global memory info", then "**End Of Crash Report**").
//
// The Parser is streaming: it is fed console text in chunks as they
// arrive (a dump split across reads is one event) and keeps only the
// block in progress, cut at a bound (a dump that never ends is still
// reported, marked truncated). It is fed console text only: on a port
// that also carries serial distribution, node/serialdist separates the
// two (Port.ConsoleChan) and frames never reach the parser.
//
// Every erpc call to an AtomVM node ends its process with
// exit({Ref, return, Value}), which AtomVM reports with a dump too:
// such events are marked ERPC so that views can set them aside.
//
// Report renders an event as Markdown ready to paste into an issue.
package crashlog

// Package vm owns avmsh's local Erlang process runtime: processes
// (goroutine-backed with Spawn; driven by the caller with NewProcess; or
// made with SpawnHandler, which hold no goroutine while they wait, so an
// idle one costs a few hundred bytes instead of a parked goroutine's
// stack),
// pids, unbounded ordered mailboxes with selective receive and timeouts,
// registered names, links with exit propagation and trap_exit, monitors
// (by pid and by name, local and remote), aliases, timers, group leaders
// and per-process information for dashboards.
//
// Signals to other nodes go through a Router that the distribution node
// installs; signals from other nodes come in through the Remote* and
// Deliver* methods (DeliverBatched with a Batch wakes the receivers of a
// run of messages once). Erlang's ordering guarantee holds per sender/receiver
// pair because every local delivery appends to the mailbox synchronously
// and every remote one goes through one ordered connection.
//
// Subpackages hold the term model (term), the external term format (etf),
// term text (syntax), io_lib:format (iolib) and the shell's expression
// engine (erl).
package vm

// Package fleet keeps what avmsh knows about each board it has met, across
// runs: chip, AtomVM version, the .avm it last flashed (name, size, MD5,
// when), the partition layout, the node name and whether the node was up.
// Boards are keyed by their USB serial number (VID:PID and serial), or by
// their port when the USB bridge has no serial number.
//
// The state is one JSON file, $XDG_STATE_HOME/avmsh/fleet.json (by
// default ~/.local/state/avmsh/fleet.json), written atomically (a
// temporary file renamed over it) under an exclusive lock on a lock file
// beside it (flock on Unix, LockFileEx on Windows), so that two avmsh
// processes updating it at once both have their updates kept. A corrupt
// file, or one written by a newer avmsh, is never lost silently: it is
// copied to fleet.json.bad (or .bad.N) before a new file is written, and
// the update reports that it did so.
//
// The flasher calls Store.Record after a verified flash; the dashboard
// calls Store.Seen when it meets a board, and Boards marks the boards
// whose AtomVM version differs from the others'.
package fleet

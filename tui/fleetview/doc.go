// Package fleetview is the dashboard's Fleet view: the boards avmsh knows
// across runs (devices/fleet, kept in $XDG_STATE_HOME/avmsh/fleet.json),
// one line each — chip, AtomVM version, the .avm last flashed by avmsh
// (name, size, MD5, when), node name, up or down — with the selected
// board's partition layout below. Boards whose AtomVM version differs
// from the one most boards run are marked. The dashboard itself records
// what it sees of the boards it connects to (fleet.Store.Seen); the
// flasher records what it writes. It implements view.View, polled only
// while on screen, and is registered by the command like any added
// view.
package fleetview

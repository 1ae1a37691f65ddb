// Package packcmd implements `avmsh pack`: build an AtomVM .avm from
// .beam files, ebin/ directories and rebar3 builds, byte for byte as
// atomvm_packbeam does, and list what an .avm holds (--list).
package packcmd

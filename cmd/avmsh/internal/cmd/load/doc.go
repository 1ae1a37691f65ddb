// Package loadcmd implements `avmsh load`: load modules into running
// BEAM and AtomVM nodes (node/codeload), once or on every change
// (--watch).
package loadcmd

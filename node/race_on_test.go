//go:build race

package node

// raceEnabled is true under -race, where the race detector makes a
// million messages take minutes; scripts/test runs the full burst without it.
const raceEnabled = true

//go:build !race

package erltest

// raceEnabled reports a build with the race detector (see Timeout).
const raceEnabled = false

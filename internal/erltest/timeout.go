package erltest

import (
	"os"
	"strconv"
	"time"
)

// Timeout scales d, a timeout a test waits on, for the machine the test
// runs on: ×5 under the race detector, which slows concurrent code that
// much, and times the factor in $AVMSH_TEST_TIMEOUT_SCALE (e.g. 3 on a
// loaded CI runner). Use it for deadlines, never for timing assertions:
// a test must pass on a busy 2-core machine.
func Timeout(d time.Duration) time.Duration {
	if raceEnabled {
		d *= 5
	}
	if f, err := strconv.ParseFloat(os.Getenv("AVMSH_TEST_TIMEOUT_SCALE"), 64); err == nil && f > 1 {
		d = time.Duration(float64(d) * f)
	}
	return d
}

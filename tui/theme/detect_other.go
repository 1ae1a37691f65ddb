//go:build !unix

package theme

import (
	"os"
	"time"
)

// ask asks nothing where the terminal cannot be read with a timeout.
func ask(_, _ *os.File, _ time.Duration) (string, bool, func()) { return "", false, func() {} }

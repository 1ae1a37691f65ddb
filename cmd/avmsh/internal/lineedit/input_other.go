//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package lineedit

import (
	"os"
)

// startFilePump reads the terminal with plain reads (its goroutine ends
// with the input).
func startFilePump(fd int) (*pump, error) {
	return startReaderPump(os.NewFile(uintptr(fd), "stdin")), nil
}

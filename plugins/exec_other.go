//go:build !unix

package plugins

import (
	"errors"
	"io/fs"
	"os"
)

func isExecutable(path string, m fs.FileMode) bool { return true } // the extension decides

// CanExec reports whether Exec can replace the process on this system.
const CanExec = false

// Exec is not available on this system: use Run.
func Exec(p Plugin, args, env []string) error {
	return errors.New("exec plugin " + p.Name + ": replacing the process is not supported here; run it as a child process")
}

func signalStatus(os.Signal) (int, bool) { return 0, false }

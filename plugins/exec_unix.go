//go:build unix

package plugins

import (
	"io/fs"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// isExecutable reports whether this process may run the file at path.
func isExecutable(path string, m fs.FileMode) bool {
	return m.Perm()&0o111 != 0 && unix.Access(path, unix.X_OK) == nil
}

// CanExec reports whether Exec can replace the process on this system.
const CanExec = true

// Exec replaces the running process with the plugin (execve(2)), as
// kubectl runs its plugins on Unix: the plugin keeps avmsh's process id,
// standard streams, process group and terminal, so Ctrl-C and job control
// reach it exactly as they would reach avmsh, and its exit status is the
// status the caller sees. env is the plugin's whole environment (see
// Context.Environ). Exec returns only on failure.
func Exec(p Plugin, args, env []string) error {
	argv := append([]string{p.Path}, args...)
	if err := syscall.Exec(p.Path, argv, env); err != nil {
		return &os.PathError{Op: "exec plugin " + p.Name, Path: p.Path, Err: err}
	}
	return nil
}

// exitStatus is the shell's exit status for a process ended by a
// signal: 128 + the signal's number (130 for SIGINT).
func signalStatus(s os.Signal) (int, bool) {
	if sig, ok := s.(syscall.Signal); ok {
		return 128 + int(sig), true
	}
	return 0, false
}

//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package lineedit

// CtrlGSignals does nothing here: Ctrl-G opens the job-control menu at
// the prompt only.
func (e *Editor) CtrlGSignals() (restore func(), err error) { return func() {}, nil }

package espflash

import (
	"errors"
	"fmt"
	"strings"
)

// Error is the error of a flashing step: it names the port and the step
// (sync, detect chip, upload stub, write 0x250000…) and, when the
// board printed something outside the protocol, what it said.
type Error struct {
	Port string
	Step string
	Err  error
	// Hint says what to do next (may be empty), in words that name no
	// program's flags or commands; Advice says which fix it is, for
	// programs that say it in their own terms.
	Hint   string
	Advice Advice
	// Console is text the board sent outside the protocol (boot
	// messages), if any.
	Console string
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s: %v", e.Port, e.Step, e.Err)
	if e.Console != "" {
		fmt.Fprintf(&b, "\nthe board printed: %q", e.Console)
	}
	if e.Hint != "" {
		b.WriteString("\nhint: " + e.Hint)
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Advice names the fix an Error's Hint suggests.
type Advice string

// The fixes an Error may suggest.
const (
	// AdviceManualBoot: put the board into its ROM loader by hand (hold
	// BOOT, press and release EN, release BOOT) and connect again
	// without a reset (Before NoReset).
	AdviceManualBoot Advice = "manual-boot"
	// AdviceNoStub: reset the board and try again, or talk to the ROM
	// loader alone (ConnectOptions.NoStub).
	AdviceNoStub Advice = "no-stub"
	// AdviceLowerBaud: a lower flash speed (Options.FlashBaud).
	AdviceLowerBaud Advice = "lower-baud"
	// AdviceRetry: flash again (only what differs is rewritten); then a
	// lower speed or another cable.
	AdviceRetry Advice = "retry"
	// AdviceInstallAtomVM: the board has no partition table: install
	// AtomVM's firmware image first (Job.Firmware).
	AdviceInstallAtomVM Advice = "install-atomvm"
	// AdvicePartition: no partition of that label: install AtomVM, or
	// name another label (Job.Partition).
	AdvicePartition Advice = "partition"
	// AdviceWholeApp: nothing to rebuild on the board: flash a whole
	// application (.avm) once.
	AdviceWholeApp Advice = "whole-app"
)

// Sentinel errors, wrapped by Error.
var (
	// ErrNoSync: the ROM loader never answered SYNC.
	ErrNoSync = errors.New("the board did not answer (no ROM loader in download mode)")
	// ErrTooLarge: the file does not fit its partition.
	ErrTooLarge = errors.New("file too large for the partition")
	// ErrNotAVM: the file is not an AtomVM packbeam (.avm).
	ErrNotAVM = errors.New("not an AtomVM .avm file")
	// ErrWrongChip: a firmware image is for another chip.
	ErrWrongChip = errors.New("firmware image is for another chip")
	// ErrNoPartition: the partition table has no such partition.
	ErrNoPartition = errors.New("partition not found")
	// ErrVerify: the flash's MD5 differs from the file's after writing.
	ErrVerify = errors.New("verification failed: the flash differs from the file")
	// ErrNoApp: the application partition holds no .avm to rebuild.
	ErrNoApp = errors.New("no AtomVM application on the board")
	// ErrNeedsStub: the operation (reading flash) needs the flasher stub,
	// and the connection talks to the ROM loader alone.
	ErrNeedsStub = errors.New("reading flash needs the flasher stub (the ROM loader alone cannot)")
)

// IsTimeout reports whether err is a command that got no answer.
func IsTimeout(err error) bool { return errors.Is(err, errTimeout) }

package devices

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// ModemLines sets the DTR and RTS outputs of a serial port
// (*serialdist.Port implements it). true means asserted.
type ModemLines interface {
	SetDTR(on bool) error
	SetRTS(on bool) error
}

// ResetStyleFor picks the reset circuit of a USB device from the board
// table; an unknown device is taken for a classic ESP32 auto-reset
// circuit, as idf.py monitor does.
func ResetStyleFor(vid, pid string) ResetStyle {
	if b, ok := LookupBoard(vid, pid); ok {
		return b.Reset
	}
	return ResetClassic
}

// ErrNoReset is returned for boards whose DTR/RTS do not reset them.
var ErrNoReset = errors.New("this board cannot be reset through DTR/RTS (press its reset button, or unplug and replug it)")

// Reset pulses DTR/RTS to restart the board: into its application, or,
// with toBootloader, into the ROM download mode. The sequences are those
// of esptool and idf.py monitor: for the classic circuit RTS drives EN
// and DTR drives IO0 (each only while the other line is deasserted); the
// USB-Serial/JTAG controller decodes the same two lines itself. Both
// lines are left deasserted, which lets the board run.
func Reset(ctx context.Context, l ModemLines, style ResetStyle, toBootloader bool) error {
	s := &lineSeq{l: l, ctx: ctx}
	switch style {
	case ResetNone:
		return ErrNoReset
	case ResetClassic:
		if toBootloader {
			s.dtr(false)
			s.rts(true) // EN low: in reset
			s.wait(100 * time.Millisecond)
			s.dtr(true) // IO0 low
			s.rts(false)
			s.wait(50 * time.Millisecond)
			s.dtr(false)
		} else {
			s.dtr(false)
			s.rts(true) // EN low: in reset
			s.wait(200 * time.Millisecond)
			s.rts(false) // EN high, IO0 high: run the application
		}
	case ResetUSBJTAG:
		if toBootloader {
			s.rts(false)
			s.dtr(false) // idle
			s.wait(100 * time.Millisecond)
			s.dtr(true) // boot mode
			s.rts(false)
			s.wait(100 * time.Millisecond)
			s.rts(true) // reset, going through (1,1) rather than (0,0)
			s.dtr(false)
			s.rts(true)
			s.wait(100 * time.Millisecond)
			s.dtr(false)
			s.rts(false) // out of reset
		} else {
			s.dtr(false)
			s.rts(true) // reset
			s.wait(200 * time.Millisecond)
			s.rts(false)
			s.wait(200 * time.Millisecond)
		}
	default:
		return fmt.Errorf("unknown reset style %q (classic, usb-jtag or none)", style)
	}
	return s.err
}

// lineSeq runs a sequence of line changes, stopping at the first error.
type lineSeq struct {
	l      ModemLines
	ctx    context.Context
	curDTR bool
	err    error
}

func (s *lineSeq) dtr(on bool) {
	if s.err == nil {
		s.curDTR = on
		if err := s.l.SetDTR(on); err != nil {
			s.err = fmt.Errorf("reset: set DTR: %w", err)
		}
	}
}

// rts sets RTS and then DTR again: Windows' usbser.sys only sends the
// line state on a DTR change (the workaround of esptool).
func (s *lineSeq) rts(on bool) {
	if s.err != nil {
		return
	}
	if err := s.l.SetRTS(on); err != nil {
		s.err = fmt.Errorf("reset: set RTS: %w", err)
		return
	}
	s.dtr(s.curDTR)
}

func (s *lineSeq) wait(d time.Duration) {
	if s.err != nil {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-s.ctx.Done():
		s.err = s.ctx.Err()
	case <-t.C:
	}
}

// LinesSetter is implemented by ports that set DTR and RTS in one
// operation (TIOCMSET), as esptool's "unix tight" reset wants.
type LinesSetter interface {
	SetLines(dtr, rts bool) error
}

// Bootloader reset delays of esptool (reset.py): how long IO0 is held
// low after EN rises, and the longer retry for slow boards.
const (
	bootDelay      = 50 * time.Millisecond
	bootExtraDelay = 550 * time.Millisecond
)

// BootloaderAttempt resets the board into its ROM download mode with
// the attempt-th sequence (counting from 0) of esptool's default_reset
// strategy, and returns the sequence's name. For the classic circuit it
// cycles through "unix tight" (both lines set together, where the port
// can), unix tight with the longer delay, classic, and classic with the
// longer delay; the USB-Serial/JTAG controller (303a:1001) has one
// sequence. Both lines are left deasserted.
func BootloaderAttempt(ctx context.Context, l ModemLines, style ResetStyle, attempt int) (string, error) {
	switch style {
	case ResetNone:
		return "", ErrNoReset
	case ResetUSBJTAG:
		return "usb-jtag", Reset(ctx, l, ResetUSBJTAG, true)
	case ResetClassic:
	default:
		return "", fmt.Errorf("unknown reset style %q (classic, usb-jtag or none)", style)
	}
	delay := bootDelay
	if attempt%2 == 1 {
		delay = bootExtraDelay
	}
	ls, tight := l.(LinesSetter)
	if attempt%4 >= 2 || !tight {
		s := &lineSeq{l: l, ctx: ctx}
		s.dtr(false)
		s.rts(true) // EN low: in reset
		s.wait(100 * time.Millisecond)
		s.dtr(true) // IO0 low
		s.rts(false)
		s.wait(delay)
		s.dtr(false)
		return fmt.Sprintf("classic (%v)", delay), s.err
	}
	s := &lineSeq{l: l, ctx: ctx}
	set := func(dtr, rts bool) {
		if s.err == nil {
			if err := ls.SetLines(dtr, rts); err != nil {
				s.err = fmt.Errorf("reset: set DTR and RTS: %w", err)
			}
		}
	}
	set(false, false)
	set(true, true)
	set(false, true) // IO0 high, EN low: in reset
	s.wait(100 * time.Millisecond)
	set(true, false) // IO0 low, EN high: out of reset into the loader
	s.wait(delay)
	set(false, false)
	s.dtr(false)
	return fmt.Sprintf("unix tight (%v)", delay), s.err
}

// HardReset restarts the board into its application by pulsing EN
// through RTS (esptool's hard_reset; longer for the USB-Serial/JTAG
// controller, which re-enumerates).
func HardReset(ctx context.Context, l ModemLines, style ResetStyle) error {
	if style == ResetNone {
		return ErrNoReset
	}
	hold := 100 * time.Millisecond
	if style == ResetUSBJTAG {
		hold = 200 * time.Millisecond
	}
	s := &lineSeq{l: l, ctx: ctx}
	s.dtr(false)
	s.rts(true) // EN low
	s.wait(hold)
	s.rts(false)
	if style == ResetUSBJTAG {
		s.wait(hold)
	}
	return s.err
}

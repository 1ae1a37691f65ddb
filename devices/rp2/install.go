package rp2

import (
	"context"
	"fmt"
	"time"
)

// DefaultWait is how long a board gets to show its BOOTSEL drive after
// the 1200-baud touch, and to take a file (rebar3 atomvm pico_flash
// waits as long).
const DefaultWait = 30 * time.Second

// Install puts a UF2 on a board: onto Drive if given, else through Port
// (a running board: reset into BOOTSEL by the 1200-baud touch, then its
// drive is awaited), else onto the one drive that appears. The CLI and
// the dashboard both use it.
type Install struct {
	Drive  *Drive
	Port   string
	Finder Finder
	// Touch replaces Touch1200 (tests).
	Touch func(device string) error
	// Wait bounds each wait (0: DefaultWait).
	Wait time.Duration
	// Log receives progress lines (may be nil).
	Log func(string)
}

// Copy copies data as name and returns the drive it went to, once the
// board took it (its drive went away).
func (in Install) Copy(ctx context.Context, name string, data []byte) (Drive, error) {
	wait := in.Wait
	if wait <= 0 {
		wait = DefaultWait
	}
	logf := func(f string, a ...any) {
		if in.Log != nil {
			in.Log(fmt.Sprintf(f, a...))
		}
	}
	d := in.Drive
	if d == nil {
		if in.Port != "" {
			touch := in.Touch
			if touch == nil {
				touch = Touch1200
			}
			logf("Resetting %s into BOOTSEL (1200-baud touch)...", in.Port)
			if err := touch(in.Port); err != nil {
				return Drive{}, err
			}
		}
		logf("Waiting up to %v for the BOOTSEL drive...", wait)
		found, err := in.Finder.Wait(ctx, wait)
		if err != nil {
			return Drive{}, err
		}
		d = &found
	}
	logf("Copying %s (%d bytes) to %s (%s)...", name, len(data), d.Path, d.BoardID)
	if err := Copy(ctx, *d, name, data, wait); err != nil {
		return *d, err
	}
	return *d, nil
}

package devices

import (
	"context"
	"slices"
	"sort"
	"time"
)

// EventType is the kind of a hot-plug event.
type EventType string

// Event types.
const (
	Added   EventType = "added"
	Removed EventType = "removed"
	Changed EventType = "changed"
)

// Event reports a device that appeared, disappeared or changed (its USB
// identity or its access, e.g. a monitor opened it).
type Event struct {
	Type   EventType `json:"type"`
	Device Device    `json:"device"`
	// Old is the previous state for Changed.
	Old *Device `json:"old,omitempty"`
}

// Watch lists the devices every interval (0: 1 s) and reports the
// differences. The first listing reports every present device as Added,
// so a consumer can build its state from events alone. Listing errors are
// retried at the next tick. The channel is closed when ctx ends.
func Watch(ctx context.Context, interval time.Duration) <-chan Event {
	if interval <= 0 {
		interval = time.Second
	}
	ch := make(chan Event, 16)
	go func() {
		defer close(ch)
		known := map[string]Device{}
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			devs, err := List(ctx, ListOptions{})
			if err == nil {
				for _, ev := range diff(known, devs) {
					select {
					case ch <- ev:
					case <-ctx.Done():
						return
					}
				}
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return ch
}

// diff updates known to devs and returns the events, removals first,
// then additions and changes in listing order.
func diff(known map[string]Device, devs []Device) []Event {
	var evs []Event
	now := make(map[string]Device, len(devs))
	for _, d := range devs {
		now[d.Key()] = d
	}
	var gone []string
	for k := range known {
		if _, ok := now[k]; !ok {
			gone = append(gone, k)
		}
	}
	sort.Strings(gone)
	for _, k := range gone {
		evs = append(evs, Event{Type: Removed, Device: known[k]})
		delete(known, k)
	}
	for _, d := range devs {
		old, ok := known[d.Key()]
		switch {
		case !ok:
			evs = append(evs, Event{Type: Added, Device: d})
		case !sameDevice(old, d):
			o := old
			evs = append(evs, Event{Type: Changed, Device: d, Old: &o})
		}
		known[d.Key()] = d
	}
	return evs
}

func sameDevice(a, b Device) bool {
	return a.Path == b.Path && a.VID == b.VID && a.PID == b.PID && a.SerialNumber == b.SerialNumber &&
		a.Product == b.Product && a.Manufacturer == b.Manufacturer && a.Access == b.Access && a.AccessDetail == b.AccessDetail && slices.Equal(a.OpenIn, b.OpenIn)
}

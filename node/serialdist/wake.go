package serialdist

import (
	"context"
	"time"
)

// Waking a peer before a send_name (spec §5.12, docs/serial.md).
//
// AtomVM's idle link manager writes a sync marker before each read of
// the UART (a read with a 500 ms timeout), so while it reads what we send
// its markers come back as fast as our chunks arrive: an echo. On the
// Unix port a link that ended leaves the UART helper serving stale read
// requests first (one queued every ~0.6 s of idle time, the "deaf after
// teardown" state): each takes one chunk of ours and throws it away, and
// the link manager, whose own request waits behind them, keeps its slow
// idle cadence. So the wake sends markers in small chunks, one every
// wakeSpacing, until the echo shows that the link manager itself reads
// them: then the stale requests are used up and the send_name that
// follows is read. Measured against AtomVM 0.8.0-dev (7b282159) on a
// socat pty pair after 30 s of idle: about 60 stale requests, used up in
// 60 ms (at the old 10 ms marker spacing: 0.6 s, and the 0.3 s burst that
// Dial sent then lost the first send_name to them).
//
// An idle avmsh port echoes a burst the same way (echoBurst), so that
// avmsh peers are woken at once too. A peer that never echoes (an older
// avmsh) gets markers for PortConfig.MaxWake before the send_name goes
// anyway, as before; one that sends nothing at all (no link manager runs
// there) for silentPeer.
const (
	// wakeSpacing separates the chunks of a wake, so that each arrives
	// as its own read on the peer.
	wakeSpacing = time.Millisecond
	// echoMarkers markers from the peer within echoWindow are an echo: an
	// idle cadence sends one every ~0.5 s.
	echoMarkers = 3
	echoWindow  = 100 * time.Millisecond
	// silentPeer ends a wake during which the peer sent no marker at
	// all: longer than the idle period of AtomVM's (~0.6 s) and avmsh's
	// (IdleMarkerInterval) link managers.
	silentPeer = 700 * time.Millisecond
	// echoBurst is how close two markers must follow each other for an
	// idle avmsh port to take them for a wake and echo (idle markers come
	// every IdleMarkerInterval); echoEvery bounds its echoes.
	echoBurst = 20 * time.Millisecond
	echoEvery = 5 * time.Millisecond
)

// wakeChunk is the markers sent at a time and how often: about what the
// line carries in wakeSpacing at the port's speed (a pty has no speed and
// takes it from the address, 115200 by default), from one marker to
// sixteen; on a line too slow for one marker per wakeSpacing, one marker
// as often as the line carries it, so that no backlog of markers waits in
// the driver to delay the send_name.
func (p *Port) wakeChunk() ([]byte, time.Duration) {
	baud := max(p.opts.Baud, 300)
	bytesPerTick := baud / 10 * int(wakeSpacing) / int(time.Second)
	n := min(max(bytesPerTick/len(marker), 1), 16)
	b := make([]byte, 0, n*len(marker))
	for range n {
		b = append(b, marker...)
	}
	every := max(wakeSpacing, time.Duration(len(b)*10)*time.Second/time.Duration(baud))
	return b, every
}

// wake sends sync markers until the peer echoes them (true), for at least
// least and at most most (see the constants above), ending early when
// the peer sent no marker at all for silentPeer.
func (p *Port) wake(ctx context.Context, c *Conn, least, most time.Duration) (bool, error) {
	if most <= 0 {
		return false, nil
	}
	chunk, every := p.wakeChunk()
	echoed := make(chan struct{})
	p.mu.Lock()
	c.waking, c.wakeMarks, c.wakeSeen, c.echoed = true, c.wakeMarks[:0], 0, echoed
	p.stats.Wakes++
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		c.waking, c.echoed = false, nil
		p.mu.Unlock()
	}()
	t := time.NewTicker(every)
	defer t.Stop()
	start := time.Now()
	for {
		if err := c.writeRaw(chunk); err != nil {
			return false, err
		}
		select {
		case <-ctx.Done():
			return false, ctx.Err()
		case <-c.done:
			return false, c.readErr()
		case <-echoed:
			p.log.Debug("the peer echoes the wake", "after", time.Since(start))
			return true, nil
		case <-t.C:
		}
		el := time.Since(start)
		if el >= most {
			p.log.Debug("no echo from the peer", "after", el)
			return false, nil
		}
		p.mu.Lock()
		seen := c.wakeSeen
		p.mu.Unlock()
		if el >= least && el >= silentPeer && seen == 0 {
			p.log.Debug("the peer sends no markers", "after", el)
			return false, nil
		}
	}
}

// noteWakeMarker counts a marker from the peer during a wake and ends the
// wake once they come as an echo (p.mu held). Markers of one read (the
// same now) count once: a backlog of idle markers that waited in the
// device's buffer arrives in one read, an echo in one read per chunk.
func (c *Conn) noteWakeMarker(now time.Time) {
	c.wakeSeen++
	if n := len(c.wakeMarks); n > 0 && !now.After(c.wakeMarks[n-1]) {
		return
	}
	c.wakeMarks = append(c.wakeMarks, now)
	if len(c.wakeMarks) > echoMarkers {
		c.wakeMarks = c.wakeMarks[1:]
	}
	if c.echoed != nil && len(c.wakeMarks) == echoMarkers && now.Sub(c.wakeMarks[0]) <= echoWindow {
		close(c.echoed)
		c.echoed = nil
		c.p.stats.WakeEchoes++
	}
}

// echoIdle answers a wake from a dialling peer while the port is idle
// and listening (p.mu held): a marker that follows another within
// echoBurst asks the housekeeping goroutine for one marker back.
func (p *Port) echoIdle(now time.Time) {
	prev := p.prevMarker
	p.prevMarker = now
	if !p.dist || p.accept == nil || now.Sub(prev) > echoBurst {
		return
	}
	select {
	case p.echo <- struct{}{}:
	default:
	}
}

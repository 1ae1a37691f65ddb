package serialdist

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"
)

// Errors that end a serial link. They are wrapped with the port name.
var (
	// ErrCRC: a data-phase frame failed its CRC check. The link is torn
	// down (there is no retransmission on serial, §5.8).
	ErrCRC = errors.New("frame CRC mismatch: link torn down (line noise, wrong speed or a reset board)")
	// ErrPeerClosed: the peer sent a teardown frame.
	ErrPeerClosed = errors.New("peer closed the serial link")
	// ErrPeerIdle: bare sync markers arrived while a connection was up:
	// the peer's link manager is idle, so it has dropped the connection
	// (§5.5).
	ErrPeerIdle = errors.New("peer dropped the link (its idle sync markers are arriving)")
	// ErrBusy: the port already carries a connection or a handshake.
	ErrBusy = errors.New("serial port already carries a distribution link")
	// ErrStalled: a data frame stopped arriving half way.
	ErrStalled = errors.New("incomplete frame: the line went quiet in the middle of it")
)

// errTimeout is returned when a read or write deadline passes (its text
// is "i/o timeout").
var errTimeout = errDeadline

// dialQuiet is how long after our send_name idle markers from the peer
// still count as proof that it did not see the frame.
const dialQuiet = 800 * time.Millisecond

// width is the frame width the scanner uses in the current state.
func (p *Port) width() Width {
	if p.state == stateData {
		return Width32
	}
	return Width16
}

// process classifies buffered bytes until it needs more, or until the
// link must wait for the node (p.mu held).
func (p *Port) process(now time.Time) {
	before := p.rx.len()
	defer func() {
		if p.rx.len() < before {
			p.space.Broadcast()
		}
	}()
	for !p.closed && p.rx.len() > 0 {
		if p.gated {
			return
		}
		if p.state == stateData && p.conn != nil && p.conn.pqBytes >= p.cfg.QueueBytes {
			return
		}
		buf := p.rx.bytes()
		c := classify(buf, p.width())
		switch c.Kind {
		case TokNeedMore:
			return
		case TokText:
			p.emitConsole(buf[:c.N])
			p.rx.consume(c.N)
		case TokMarker:
			p.rx.consume(c.N)
			p.onMarker(c.Bare, now)
		case TokFrame:
			payload := append(make([]byte, 0, len(c.Payload)), c.Payload...)
			p.rx.consume(c.N)
			p.onFrame(payload, c.stale)
		case TokCRCError:
			p.onCRCError(c, now)
		}
	}
}

func (p *Port) onMarker(bare bool, now time.Time) {
	p.stats.Markers++
	p.stats.LastMarker = now
	if bare {
		p.stats.BareMarkers++
	}
	c := p.conn
	switch p.state {
	case stateIdle:
		p.echoIdle(now)
	case stateData, stateAccepting:
		if bare {
			p.teardownLocked(c, p.wrap(ErrPeerIdle), false)
		}
	case stateDialing:
		if c.waking {
			c.noteWakeMarker(now)
		}
		switch {
		case c.gotFrame:
			if bare {
				p.teardownLocked(c, p.wrap(fmt.Errorf("during the handshake: %w", ErrPeerIdle)), false)
			}
		case c.sendName != nil && now.Sub(c.sentAt) > dialQuiet:
			// The peer's link manager is still idle well after our
			// send_name: it never saw it (deaf after a teardown,
			// §5.12, or the frame was corrupted). Send it again.
			c.idleMarkers++
			if c.idleMarkers >= 2 {
				p.log.Debug("peer still idle after our send_name")
				c.idleMarkers = 0
				c.requestResync(false)
			}
		}
	}
}

func (p *Port) onFrame(payload []byte, stale bool) {
	p.stats.FramesIn++
	c := p.conn
	if stale {
		// A data frame while we scan handshake frames: the peer still
		// believes an old connection is up. Dial sends it a teardown
		// frame first.
		p.stats.StaleFrames++
		return
	}
	switch p.state {
	case stateIdle:
		if len(payload) > 0 && payload[0] == 'N' && p.accept != nil {
			p.startResponder(payload)
			return
		}
		p.stats.StaleFrames++
	case stateDialing:
		switch {
		case c.sendName == nil:
			p.stats.StaleFrames++ // from before our send_name: stale
		case !c.gotStatus && len(payload) > 0 && payload[0] == 'N':
			p.log.Debug("collision: the peer sent send_name too")
			if p.accept != nil && peerWins(payload, c.sendName) {
				p.yieldLocked(c, payload)
				return
			}
			// Both sides initiated: the peer's controller fails on our
			// send_name as ours would on its. Back off and send again;
			// its link manager answers as responder once idle (§5.6).
			// A peer that resolves the collision like yieldLocked
			// answers with a status during the back-off instead.
			p.stats.StaleFrames++
			c.requestResync(true)
		default:
			if !c.gotFrame {
				c.gotFrame = true
				close(c.progress)
			}
			if len(payload) > 0 && payload[0] == 's' {
				c.gotStatus = true
			}
			c.hsq = append(c.hsq, payload)
			p.gated = true
			c.signal()
		}
	case stateAccepting:
		c.hsq = append(c.hsq, payload)
		p.gated = true
		c.signal()
	case stateData:
		c.pq = append(c.pq, payload)
		c.pqBytes += len(payload) + 64
		c.signal()
	}
}

func (p *Port) onCRCError(c classified, now time.Time) {
	p.stats.CRCErrors++
	p.log.Debug("crc error", "state", p.state, "length", c.Length, "want", c.WantCRC, "got", c.GotCRC)
	switch {
	case p.state == stateData:
		p.rx.consume(c.N)
		if c.Length == 0 {
			p.teardownLocked(p.conn, p.wrap(ErrPeerClosed), false)
		} else {
			p.teardownLocked(p.conn, p.wrap(fmt.Errorf("%w (frame of %d bytes: CRC %08x on the wire, %08x computed)", ErrCRC, c.Length, c.WantCRC, c.GotCRC)), true)
		}
	case c.data32:
		// A teardown frame or a garbled data frame in a 16-bit phase. A
		// teardown frame aborts a handshake the peer has taken part in;
		// before that it belongs to an earlier link.
		p.rx.consume(c.N)
		if c.Length == 0 && (p.state == stateAccepting || p.state == stateDialing && p.conn.gotFrame) {
			p.teardownLocked(p.conn, p.wrap(fmt.Errorf("during the handshake: %w", ErrPeerClosed)), false)
		}
	default:
		// A 16-bit candidate that fails its CRC: most often a false
		// sync inside console text (an idle marker followed by
		// "\x1b[0;32m..."). Drop the marker and read on; a corrupted
		// handshake frame is never delivered, and the handshake times
		// out instead of failing fast.
		p.rx.consume(2)
		p.stats.Markers++
	}
}

// checkStall releases a frame candidate that stopped growing (p.mu held).
func (p *Port) checkStall(now time.Time) {
	if p.closed || p.gated || p.rx.len() == 0 {
		return
	}
	limit := p.cfg.StallTimeout
	if p.state == stateData {
		limit = p.cfg.DataStallTimeout
	}
	if now.Sub(p.lastRx) < limit {
		return
	}
	buf := p.rx.bytes()
	t := NextToken(buf, p.width())
	switch {
	case t.Kind != TokNeedMore:
	case !t.Candidate: // a lone trailing AA: it was text after all
		p.emitConsole(buf[:1])
		p.rx.consume(1)
	default:
		switch {
		case p.state != stateData:
		case t.Length < 0:
			// A marker and no length: only an idle peer sends those.
			p.teardownLocked(p.conn, p.wrap(fmt.Errorf("%w (a lone sync marker, then nothing for %s)", ErrPeerIdle, limit)), false)
		default:
			p.teardownLocked(p.conn, p.wrap(fmt.Errorf("%w: %d of %d bytes of a data frame, then nothing for %s", ErrStalled, len(buf), t.Length+10, limit)), true)
		}
		p.rx.consume(2)
		if t.Length < 0 {
			p.onMarker(false, now) // an idle peer's marker, then silence
		} else {
			p.stats.Markers++
		}
	}
	p.process(now)
}

// teardownLocked ends c's link and returns the port to idle (p.mu held).
// kill sends a teardown frame so that the peer drops the link too.
func (p *Port) teardownLocked(c *Conn, err error, kill bool) {
	if c == nil || c.dead {
		return
	}
	c.dead = true
	c.rerr = err
	close(c.done)
	c.signal()
	if p.conn != c {
		return
	}
	p.log.Debug("link down", "state", p.state, "error", err)
	now := time.Now()
	p.conn = nil
	p.state = stateIdle
	p.gated = false
	p.teardown = now
	p.stats.Teardowns++
	if kill && c.engaged {
		p.killDue = true
	}
	p.lastTx = now
}

func (p *Port) wrap(err error) error { return fmt.Errorf("serial %s: %w", p.name, err) }

// peerWins reports whether the node named in the peer's send_name sorts
// above ours: in a simultaneous connect its attempt wins, as in Erlang's
// handshake (erl_dist_protocol, "ok_simultaneous").
func peerWins(peerSendName, ourSendName []byte) bool {
	peer, ok1 := sendNameNode(peerSendName)
	ours, ok2 := sendNameNode(ourSendName)
	return ok1 && ok2 && peer > ours
}

// sendNameNode is the node name in an 'N' send_name: 'N', Flags:8,
// Creation:4, NameLen:2, Name.
func sendNameNode(b []byte) (string, bool) {
	if len(b) < 15 || b[0] != 'N' {
		return "", false
	}
	n := int(binary.BigEndian.Uint16(b[13:15]))
	if len(b) < 15+n {
		return "", false
	}
	return string(b[15 : 15+n]), true
}

// yieldLocked resolves a simultaneous connect that the peer wins (p.mu
// held): its send_name is answered as responder, and our dial is
// detached. Writes on the detached Conn fail at once, but its reads wait
// for their deadline (or Close): the node, seeing the peer's connection
// win, cancels its own attempt, and must not see it fail first, or it
// would give up on the messages queued for that peer.
func (p *Port) yieldLocked(c *Conn, sendName []byte) {
	p.log.Debug("simultaneous connect: the peer's name wins, answering it")
	c.dead = true
	c.yielded = true
	c.rerr = p.wrap(ErrYielded)
	close(c.done)
	c.signal()
	p.conn = nil
	p.state = stateIdle
	p.gated = false
	p.startResponder(sendName)
}

// ErrYielded ends an outgoing handshake that lost a simultaneous connect
// to the peer's own (whose node name sorts higher).
var ErrYielded = errors.New("the peer connected at the same time and its attempt wins (simultaneous connect)")

// startResponder turns an 'N' frame received while idle into a Conn for
// the listener (p.mu held).
func (p *Port) startResponder(sendName []byte) {
	c := newConn(p, false)
	c.engaged = true
	// The peer is starting a new link, so it has dropped the old one:
	// a teardown frame still due would only abort the new handshake.
	p.killDue = false
	c.hsq = append(c.hsq, sendName)
	p.state = stateAccepting
	p.conn = c
	p.gated = true
	p.stats.Connections++
	select {
	case p.accept <- c:
		p.log.Debug("incoming connection")
	default:
		// Nobody is accepting right now: let the peer time out.
		p.teardownLocked(c, p.wrap(errors.New("no listener took the incoming connection")), false)
	}
}

// Dial starts an outgoing connection on this port (we are the
// initiator): it sends a teardown frame (so that a peer still holding an
// old link drops it), a sync burst that goes on until the peer echoes it
// (its link manager reads again after a "deaf" spell, §5.12: wake.go),
// drains pending input and sends the preamble. The returned Conn is in the handshake
// phase; its first WriteHandshake must be the send_name, which the port
// sends again, after a longer burst, while the peer's idle markers show
// it did not see it, and after a random back-off when both sides
// initiated at once.
func (p *Port) Dial(ctx context.Context) (*Conn, error) {
	p.mu.Lock()
	if p.closed {
		err := p.err
		p.mu.Unlock()
		return nil, p.wrap(fmt.Errorf("dial: %w", err))
	}
	if p.state != stateIdle {
		st := p.state
		p.mu.Unlock()
		return nil, p.wrap(fmt.Errorf("%w (%s); each serial port carries one connection", ErrBusy, st))
	}
	c := newConn(p, true)
	p.killDue = false // Dial sends a teardown frame first anyway
	p.state = stateDialing
	p.conn = c
	p.dist = true
	p.stats.Connections++
	least, most := p.cfg.MinBurst, p.cfg.MaxWake
	if least < 0 && p.teardown.IsZero() {
		most = 0 // no burst before the first Dial (tests)
	}
	least, most = max(least, 0), min(most, p.cfg.MaxBurst)
	p.mu.Unlock()

	fail := func(err error) (*Conn, error) {
		c.Close()
		return nil, p.wrap(fmt.Errorf("dial: %w", err))
	}
	if err := c.writeRaw(teardownFrame); err != nil {
		return fail(err)
	}
	if _, err := p.wake(ctx, c, least, most); err != nil {
		return fail(err)
	}
	p.drainCandidate()
	if err := c.writeRaw(preamble); err != nil {
		return fail(err)
	}
	go c.superviseDial()
	return c, nil
}

// preamble is PreambleMarkers sync markers, written out so that the
// linker lays it out (TestPreamble checks it).
var preamble = []byte{
	Sync0, Sync1, Sync0, Sync1, Sync0, Sync1, Sync0, Sync1,
	Sync0, Sync1, Sync0, Sync1, Sync0, Sync1, Sync0, Sync1,
	Sync0, Sync1, Sync0, Sync1, Sync0, Sync1, Sync0, Sync1,
	Sync0, Sync1, Sync0, Sync1, Sync0, Sync1, Sync0, Sync1,
}

// drainCandidate drops a pending frame candidate before a handshake: a
// stale frame must not be taken for the peer's answer.
func (p *Port) drainCandidate() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if t := NextToken(p.rx.bytes(), Width16); t.Kind == TokNeedMore && t.Candidate {
		p.rx.consume(2)
		p.process(time.Now())
	}
}

// superviseDial re-sends the send_name while the handshake has not
// started (see Dial).
func (c *Conn) superviseDial() {
	p := c.p
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-c.done:
		case <-c.progress:
		}
		cancel()
	}()
	burst := time.Second
	for {
		var collision bool
		select {
		case <-ctx.Done():
			return
		case collision = <-c.resync:
		}
		if collision {
			wait := 200*time.Millisecond + rand.N(time.Second)
			select {
			case <-ctx.Done():
				return
			case <-time.After(wait):
			}
		}
		p.log.Debug("re-sending send_name", "collision", collision, "burst", burst)
		if err := c.writeRaw(teardownFrame); err != nil {
			return
		}
		if _, err := p.wake(ctx, c, 0, burst); err != nil {
			return
		}
		burst = min(2*burst, p.cfg.MaxBurst)
		p.drainCandidate()
		p.mu.Lock()
		if c.gotFrame || c.dead {
			p.mu.Unlock()
			return
		}
		c.idleMarkers = 0
		c.sentAt = time.Now()
		select { // requests raised before now concern the last attempt
		case <-c.resync:
		default:
		}
		frame := AppendFrame16(append([]byte(nil), preamble...), c.sendName)
		p.mu.Unlock()
		if err := c.writeRaw(frame); err != nil {
			return
		}
	}
}

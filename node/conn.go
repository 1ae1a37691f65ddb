package node

import (
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/avmsh/avmsh/node/carrier"
	"github.com/avmsh/avmsh/node/dist"
	"github.com/avmsh/avmsh/node/handshake"
	"github.com/avmsh/avmsh/vm"
	"github.com/avmsh/avmsh/vm/etf"
	"github.com/avmsh/avmsh/vm/term"
)

// conn is one established distribution connection. It has exactly one
// reader goroutine (decode and dispatch, in arrival order) and one writer
// goroutine (atom cache, fragments, batching, ticks).
type conn struct {
	n         *Node
	name      term.Atom
	peer      handshake.Peer
	c         carrier.Conn
	caps      dist.Caps
	common    handshake.Flags
	initiator bool
	since     time.Time

	// wmu is held by whoever writes to c: the writer goroutine, or a
	// sender taking the direct path. It guards enc.
	wmu     sync.Mutex
	enc     *dist.Encoder
	lastOut atomic.Int64  // monotonic nanoseconds of the last send
	seenIn  atomic.Uint64 // recvMsgs at the last send

	mu     sync.Mutex
	queue  msgQueue
	wake   chan struct{}
	closed chan struct{}
	once   sync.Once
	reason error

	signaled atomic.Bool  // the writer has been woken and has not taken the queue yet
	burst    int          // under wmu: messages written since the sender last paused
	queued   atomic.Int32 // queue.len(), read without mu
	scratch  []byte       // under wmu: sendNow's payload encoding

	kind     atomic.Pointer[string]
	received atomic.Bool // something arrived since the last tick check
	written  atomic.Bool // something was written since the last tick check

	sentMsgs, recvMsgs   atomic.Uint64
	sentBytes, recvBytes atomic.Uint64

	spawns pendingSpawns // spawn requests sent here, awaiting their reply
}

type outMsg struct {
	ctrl       term.Tuple
	payload    []byte
	buf        *[]byte // where payload was encoded (recycled once written)
	hasPayload bool
	// isSend: a message from one pid to another, without ctrl (sendMsg).
	isSend   bool
	from, to term.Pid
}

// release recycles m's payload buffer once m is written.
func (m *outMsg) release() { releasePayload(m.buf, m.payload) }

func newConn(n *Node, c carrier.Conn, peer handshake.Peer, initiator bool) *conn {
	common := n.flags & peer.Flags
	caps := dist.CapsFor(peer.Flags)
	caps.MaxDepth = n.cfg.MaxTermDepth
	k := &conn{
		n: n, name: term.Atom(peer.Name), peer: peer, c: c, caps: caps, common: common,
		initiator: initiator, since: time.Now(),
		wake: make(chan struct{}, 1), closed: make(chan struct{}),
		enc: dist.NewEncoder(caps, common),
	}
	if n.cfg.fragmentSize > 0 {
		k.enc.SetFragmentSize(n.cfg.fragmentSize)
	}
	return k
}

// directGap is how long a connection must have been quiet for a send to
// be written by the sender itself instead of being queued for the writer
// goroutine. A lone message (a request, a ping) then leaves at once,
// without waking another goroutine; a burst is still batched by the
// writer. A send that follows a message received on the connection (an
// answer: a pong, a call's reply) is written directly too, however soon
// it comes: in a conversation every send is a lone message.
const directGap = 50 * time.Microsecond

// clockBase anchors monotonic time for lastOut.
var clockBase = time.Now()

// start runs the reader and writer goroutines.
func (k *conn) start() {
	k.n.wg.Add(2)
	go k.readLoop()
	go k.writeLoop()
}

// send builds and queues a signal for this peer. Encoding of the payload
// happens here, on the caller's goroutine, outside every lock.
func (k *conn) send(s dist.Signal) error {
	ctrl, payload, has, err := dist.Build(s, k.caps)
	if err != nil {
		return fmt.Errorf("to %s: %w", k.name, err)
	}
	m := outMsg{ctrl: ctrl, hasPayload: has}
	if has {
		if err := k.encode(&m, payload); err != nil {
			return err
		}
	}
	if s.Kind == dist.KindSpawnRequest {
		return k.sendSpawn(s, m)
	}
	return k.enqueue(m)
}

// sendMsg queues a message from one pid to another: what send does for
// a dist.KindSend signal, without building the signal and its control
// tuple (the writer encodes the control message with WriteSend).
func (k *conn) sendMsg(from, to term.Pid, msg term.Term) error {
	if done, err := k.sendNow(from, to, msg); done {
		return err
	}
	m := outMsg{from: from, to: to, isSend: true, hasPayload: true}
	if err := k.encode(&m, msg); err != nil {
		return err
	}
	return k.enqueue(m)
}

// encode encodes m's payload into a recycled buffer.
func (k *conn) encode(m *outMsg, payload term.Term) error {
	buf := payloadBuf(sizeHint(payload, 0))
	enc, err := dist.EncodePayload(*buf, payload, k.caps)
	if err != nil {
		return fmt.Errorf("to %s: %w", k.name, err)
	}
	if max := k.c.MaxPacket(); max > 0 && len(enc)+1024 > max {
		return fmt.Errorf("to %s: a %d-byte message does not fit the %s link's %d-byte (%s) packets (no fragments on this carrier: send it in parts, or over TCP): %w",
			k.name, len(enc), k.c.Info().Transport, max, sizeText(max), carrier.ErrPacketTooLarge)
	}
	m.payload, m.buf = enc, buf
	return nil
}

// write writes m to the carrier (holding wmu) and recycles its payload
// buffer.
func (k *conn) write(m *outMsg) error {
	var err error
	if m.isSend {
		err = k.enc.WriteSend(k.c, m.from, m.to, m.payload)
	} else {
		err = k.enc.Write(k.c, m.ctrl, m.payload, m.hasPayload)
	}
	m.release()
	return err
}

// sizeText writes a byte count in KiB or MiB when it is a whole number
// of them ("1 MiB").
func sizeText(n int) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

func (k *conn) enqueue(m outMsg) error {
	now := int64(time.Since(clockBase))
	prev := k.lastOut.Swap(now)
	in := k.recvMsgs.Load()
	answer := k.seenIn.Swap(in) != in
	if (answer || now-prev > int64(directGap)) && k.wmu.TryLock() {
		if done, err := k.direct(m); done {
			return err
		}
	}
	k.mu.Lock()
	select {
	case <-k.closed:
		k.mu.Unlock()
		return fmt.Errorf("connection to %s is closed", k.name)
	default:
	}
	k.queue.push(m)
	k.queued.Store(int32(min(k.queue.len(), 1<<30)))
	k.mu.Unlock()
	if !k.signaled.Swap(true) {
		select {
		case k.wake <- struct{}{}:
		default:
		}
	}
	return nil
}

// Flushing a burst. The writer writes what is queued into the carrier's
// buffer, which sends itself when full (64 KiB). When the queue is empty
// it flushes the rest at once, unless the connection is in a burst —
// burstMin messages without a pause of burstGap between sends: then the
// sender is still going, and the writer, instead of flushing a handful of
// messages at a time and parking until the next send wakes it (a syscall
// and a futex wake-up for every few messages, and on a small machine
// the CPU the peer needs to keep up), comes back every burstGap for what
// has been queued meanwhile; senders do not wake it. The rest is flushed
// once the sender has paused for burstGap. A lone message, a pair, or a
// stream slower than one message per burstGap is flushed at once, as
// before.
const (
	burstMin = 64
	burstGap = 50 * time.Microsecond
)

// direct writes m on the caller's goroutine when nothing is queued
// (holding wmu, which it releases). It reports false when m must be
// queued instead. Writing while the queue is empty keeps the order: the
// writer only takes messages out of the queue while holding wmu.
func (k *conn) direct(m outMsg) (bool, error) {
	defer k.wmu.Unlock()
	k.mu.Lock()
	select {
	case <-k.closed:
		k.mu.Unlock()
		return true, fmt.Errorf("connection to %s is closed", k.name)
	default:
	}
	empty := k.queue.len() == 0
	k.mu.Unlock()
	if !empty {
		return false, nil
	}
	err := k.write(&m)
	if err == nil {
		err = k.c.Flush()
	}
	if err != nil {
		k.fail(fmt.Errorf("write to %s: %w", k.name, err))
		return true, nil // like a queued send to a dying connection: dropped
	}
	k.sentMsgs.Add(1)
	k.sentBytes.Add(uint64(len(m.payload)))
	k.written.Store(true)
	return true, nil
}

// close tears the connection down once, recording why.
func (k *conn) close(reason error) {
	k.once.Do(func() {
		k.mu.Lock()
		k.reason = reason
		close(k.closed)
		k.mu.Unlock()
		_ = k.c.Close()
	})
}

func (k *conn) closeReason() error {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.reason
}

func (k *conn) writeLoop() {
	defer k.n.wg.Done()
	tick := time.NewTicker(k.n.tickInterval())
	defer tick.Stop()
	flushT := time.NewTimer(time.Hour)
	flushT.Stop()
	defer flushT.Stop()
	misses := 0
	for {
		select {
		case <-k.closed:
			return
		case <-k.wake:
		case <-flushT.C:
		case <-tick.C:
			if k.received.Swap(false) {
				misses = 0
			} else if misses++; misses >= 4 {
				k.n.log.Warn("connection timed out (net_ticktime)", "peer", k.name, "net_ticktime", k.n.cfg.TickTime)
				k.close(errNetTickTimeout)
				return
			}
			if !k.written.Swap(false) {
				k.wmu.Lock()
				if err := k.c.WritePacket(nil); err == nil {
					err = k.c.Flush()
				}
				k.wmu.Unlock()
			}
			continue
		}
		k.signaled.Store(false) // before taking the queue: a later send wakes us again
		if err := k.drain(); err != nil {
			k.fail(fmt.Errorf("write to %s: %w", k.name, err))
			return
		}
		if k.holdBack() {
			k.signaled.Store(true) // in a burst: senders need not wake us
			flushT.Reset(burstGap)
			continue
		}
		if err := k.flush(); err != nil {
			k.fail(fmt.Errorf("write to %s: %w", k.name, err))
			return
		}
	}
}

// flush sends what the carrier holds (holding wmu).
func (k *conn) flush() error {
	k.wmu.Lock()
	defer k.wmu.Unlock()
	return k.c.Flush()
}

// drain writes every queued message into the carrier, holding wmu; the
// caller flushes.
func (k *conn) drain() error {
	k.wmu.Lock()
	defer k.wmu.Unlock()
	for {
		// Take the whole queue: senders start a new one while this batch
		// is written.
		k.mu.Lock()
		batch := k.queue.take()
		k.queued.Store(0)
		k.mu.Unlock()
		if batch == nil {
			break
		}
		for c := batch; c != nil; {
			for i := 0; i < c.n; i++ {
				m := &c.msgs[i]
				if err := k.write(m); err != nil {
					return err
				}
				k.sentMsgs.Add(1)
				k.sentBytes.Add(uint64(len(m.payload)))
				k.burst++
				*m = outMsg{}
			}
			next := c.next
			recycle(c)
			c = next
		}
		k.written.Store(true)
	}
	return nil
}

var errNetTickTimeout = errors.New("net_tick_timeout")

// wakeBatch bounds how many receivers of messages already decoded wait
// for their wake-up while the reader decodes more of its buffer.
const wakeBatch = 32

// tooDeepError is why a connection was dropped over a received term
// nested deeper than the node's limit; it wraps the decode error (and so
// an *etf.DepthError).
type tooDeepError struct {
	peer  term.Atom
	limit int
	err   error
}

func (e *tooDeepError) Error() string {
	return fmt.Sprintf("a message from %s nests deeper than %d levels, the limit for terms this node receives", e.peer, e.limit)
}

func (e *tooDeepError) Unwrap() error { return e.err }

func (k *conn) fail(err error) {
	select {
	case <-k.closed:
		return // already closing; the first reason stands
	default:
	}
	k.close(err)
}

func (k *conn) readLoop() {
	defer k.n.wg.Done()
	defer k.n.connDown(k)
	dec := dist.NewDecoder()
	dec.MaxDepth = k.n.cfg.MaxTermDepth
	if d, ok := k.c.(carrier.Detacher); ok {
		dec.Keep = d.Detach // large messages keep their packet's bytes
	}
	// Receivers of messages decoded from one read are woken together,
	// before the reader could wait for the link, or every wakeBatch
	// messages (vm.Batch).
	buffered, _ := k.c.(carrier.Bufferer)
	var batch vm.Batch
	defer batch.Wake()
	for {
		if batch.Len() > 0 && (buffered == nil || batch.Len() >= wakeBatch || !buffered.PacketBuffered()) {
			batch.Wake()
		}
		pkt, err := k.c.ReadPacket()
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = fmt.Errorf("%s closed the connection", k.name)
			}
			k.fail(err)
			return
		}
		k.received.Store(true)
		if len(pkt) == 0 {
			continue // tick
		}
		k.recvBytes.Add(uint64(len(pkt)))
		m, err := dec.DecodeMessage(pkt)
		if errors.Is(err, dist.ErrIncomplete) {
			continue
		}
		if err == nil && m.Send {
			// What dispatch does for KindSend. A message with nothing
			// before it awaiting a wake-up and nothing after it in the
			// buffer (an answer in a conversation) is delivered and its
			// receiver woken under one lock of its mailbox.
			k.recvMsgs.Add(1)
			if batch.Len() == 0 && (buffered == nil || !buffered.PacketBuffered()) {
				k.n.rt.DeliverMessage(m.To, m.Payload)
			} else {
				k.n.rt.DeliverBatched(m.To, m.Payload, &batch)
			}
			continue
		}
		if err == nil {
			var s dist.Signal
			s, err = dist.ParseControl(m.Ctrl, m.Payload)
			if err == nil {
				batch.Wake() // other signals see the messages before them delivered
				k.recvMsgs.Add(1)
				k.n.dispatch(k, s)
				continue
			}
		}
		if de := (*etf.DepthError)(nil); errors.As(err, &de) {
			// Well-formed, but deeper than we decode: as OTP does with a
			// packet it cannot decode, the connection goes.
			k.n.log.Error("a received term nests too deep: dropping the connection", "peer", k.name, "limit", de.Limit, "bytes", len(pkt), "error", err)
			k.fail(&tooDeepError{peer: k.name, limit: de.Limit, err: err})
			return
		}
		k.n.log.Error("malformed distribution packet: dropping the connection", "peer", k.name, "bytes", len(pkt), "error", err)
		k.fail(fmt.Errorf("malformed packet from %s: %w", k.name, err))
		return
	}
}

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

	mu     sync.Mutex
	queue  []outMsg
	spare  []outMsg
	wake   chan struct{}
	closed chan struct{}
	once   sync.Once
	reason error

	kind     atomic.Pointer[string]
	received atomic.Bool // something arrived since the last tick check
	written  atomic.Bool // something was written since the last tick check

	sentMsgs, recvMsgs   atomic.Uint64
	sentBytes, recvBytes atomic.Uint64
}

type outMsg struct {
	ctrl       term.Tuple
	payload    []byte
	hasPayload bool
}

func newConn(n *Node, c carrier.Conn, peer handshake.Peer, initiator bool) *conn {
	common := n.flags & peer.Flags
	caps := dist.CapsFor(peer.Flags)
	return &conn{
		n: n, name: term.Atom(peer.Name), peer: peer, c: c, caps: caps, common: common,
		initiator: initiator, since: time.Now(),
		wake: make(chan struct{}, 1), closed: make(chan struct{}),
	}
}

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
	var enc []byte
	if has {
		enc, err = dist.EncodePayload(nil, payload, k.caps)
		if err != nil {
			return fmt.Errorf("to %s: %w", k.name, err)
		}
		if max := k.c.MaxPacket(); max > 0 && len(enc)+1024 > max {
			return fmt.Errorf("to %s: a %d-byte message does not fit the %s link's %d-byte packets (no fragments on this carrier): %w",
				k.name, len(enc), k.c.Info().Transport, max, carrier.ErrPacketTooLarge)
		}
	}
	return k.enqueue(outMsg{ctrl: ctrl, payload: enc, hasPayload: has})
}

func (k *conn) enqueue(m outMsg) error {
	k.mu.Lock()
	select {
	case <-k.closed:
		k.mu.Unlock()
		return fmt.Errorf("connection to %s is closed", k.name)
	default:
	}
	k.queue = append(k.queue, m)
	k.mu.Unlock()
	select {
	case k.wake <- struct{}{}:
	default:
	}
	return nil
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
	enc := dist.NewEncoder(k.caps, k.common)
	if k.n.cfg.fragmentSize > 0 {
		enc.SetFragmentSize(k.n.cfg.fragmentSize)
	}
	tick := time.NewTicker(k.n.tickInterval())
	defer tick.Stop()
	misses := 0
	for {
		select {
		case <-k.closed:
			return
		case <-k.wake:
		case <-tick.C:
			if k.received.Swap(false) {
				misses = 0
			} else if misses++; misses >= 4 {
				k.n.log.Warn("connection timed out (net_ticktime)", "node", k.name, "net_ticktime", k.n.cfg.TickTime)
				k.close(errNetTickTimeout)
				return
			}
			if !k.written.Swap(false) {
				if err := k.c.WritePacket(nil); err == nil {
					err = k.c.Flush()
				}
			}
			continue
		}
		for {
			k.mu.Lock()
			if len(k.queue) == 0 {
				k.mu.Unlock()
				break
			}
			// Swap buffers: senders append to spare's array while this
			// batch is written. queue and spare never share an array.
			batch := k.queue
			k.queue = k.spare[:0]
			k.mu.Unlock()
			for i := range batch {
				m := &batch[i]
				if err := enc.Write(k.c, m.ctrl, m.payload, m.hasPayload); err != nil {
					k.fail(fmt.Errorf("write to %s: %w", k.name, err))
					return
				}
				k.sentMsgs.Add(1)
				k.sentBytes.Add(uint64(len(m.payload)))
				*m = outMsg{}
			}
			k.spare = batch[:0]
			k.written.Store(true)
		}
		if err := k.c.Flush(); err != nil {
			k.fail(fmt.Errorf("write to %s: %w", k.name, err))
			return
		}
	}
}

var errNetTickTimeout = errors.New("net_tick_timeout")

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
	for {
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
		ctrl, payload, err := dec.Decode(pkt)
		if errors.Is(err, dist.ErrIncomplete) {
			continue
		}
		if err == nil {
			var s dist.Signal
			s, err = dist.ParseControl(ctrl, payload)
			if err == nil {
				k.recvMsgs.Add(1)
				k.n.dispatch(k, s)
				continue
			}
		}
		k.n.log.Error("malformed distribution packet: dropping the connection", "node", k.name, "bytes", len(pkt), "error", err)
		k.fail(fmt.Errorf("malformed packet from %s: %w", k.name, err))
		return
	}
}

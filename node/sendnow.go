package node

import (
	"fmt"
	"time"

	"github.com/avmsh/avmsh/node/carrier"
	"github.com/avmsh/avmsh/node/dist"
	"github.com/avmsh/avmsh/vm/term"
)

// scratchMax is the largest payload (estimated) sendNow encodes into the
// connection's scratch buffer; a larger one gets a recycled buffer of its
// own, so that the scratch buffer stays small.
const scratchMax = 16 << 10

// sendNow writes a message to a pid straight into the carrier's buffer,
// on the sender's goroutine, when nothing is queued and no one else is
// writing: the payload is encoded once into a scratch buffer and copied
// behind the control bytes, with no queue entry, no payload buffer and
// no hand-off to the writer goroutine. A lone message (or an answer: see
// directGap) is flushed at once; in a burst the buffer is left to fill
// (the carrier sends it when full) and the writer flushes what remains
// when the sender pauses (holdBack). It reports false when the message
// must take the queue instead (another writer, queued messages).
func (k *conn) sendNow(from, to term.Pid, msg term.Term) (bool, error) {
	if k.queued.Load() != 0 || !k.wmu.TryLock() {
		return false, nil
	}
	if k.queued.Load() != 0 {
		k.wmu.Unlock()
		return false, nil // queued meanwhile: order behind it
	}
	select {
	case <-k.closed:
		k.wmu.Unlock()
		return true, fmt.Errorf("connection to %s is closed", k.name)
	default:
	}
	var buf *[]byte // a large payload's own buffer
	dst := k.scratch[:0]
	if hint := sizeHint(msg, 0); hint > scratchMax {
		buf = payloadBuf(hint)
		dst = *buf
	}
	enc, err := dist.EncodePayload(dst, msg, k.caps)
	if err != nil {
		k.wmu.Unlock()
		return true, fmt.Errorf("to %s: %w", k.name, err)
	}
	if buf == nil {
		k.scratch = enc
	} else {
		// The carrier writes a large part before returning: the buffer
		// can go back once WriteSend is done.
		defer releasePayload(buf, enc)
	}
	if max := k.c.MaxPacket(); max > 0 && len(enc)+1024 > max {
		k.wmu.Unlock()
		return true, fmt.Errorf("to %s: a %d-byte message does not fit the %s link's %d-byte (%s) packets (no fragments on this carrier: send it in parts, or over TCP): %w",
			k.name, len(enc), k.c.Info().Transport, max, sizeText(max), carrier.ErrPacketTooLarge)
	}
	in := k.recvMsgs.Load()
	lone := k.seenIn.Swap(in) != in
	if k.burst%32 == 0 {
		// Read the clock at the start of a burst and every 32 messages
		// of it (often enough for holdBack to see when it pauses).
		now := int64(time.Since(clockBase))
		prev := k.lastOut.Swap(now)
		lone = lone || (k.burst == 0 && now-prev > int64(directGap))
	}
	err = k.enc.WriteSend(k.c, from, to, enc)
	if err == nil && lone {
		err = k.c.Flush()
		k.burst = 0
	} else {
		k.burst++
	}
	k.wmu.Unlock()
	if err != nil {
		k.fail(fmt.Errorf("write to %s: %w", k.name, err))
		return true, nil // like a queued send to a dying connection: dropped
	}
	k.sentMsgs.Add(1)
	k.sentBytes.Add(uint64(len(enc)))
	k.written.Store(true)
	if !lone && !k.signaled.Swap(true) {
		// Buffered: the writer flushes it, now or when the burst pauses.
		select {
		case k.wake <- struct{}{}:
		default:
		}
	}
	return true, nil
}

// holdBack reports whether the writer should leave the carrier's buffer
// unflushed for now: the connection is in a burst (see burstMin).
func (k *conn) holdBack() bool {
	k.wmu.Lock()
	defer k.wmu.Unlock()
	if time.Since(clockBase)-time.Duration(k.lastOut.Load()) >= burstGap {
		k.burst = 0 // the sender paused: whatever comes next is not this burst
		return false
	}
	return k.burst >= burstMin
}

package node

import (
	"sync"

	"github.com/avmsh/avmsh/vm/term"
)

// Encoded payloads are written out by the connection (copied into its
// output buffer, or handed to the socket) before the send that queued
// them returns or the writer takes the next batch, so their buffers are
// recycled: a small message then costs no allocation to encode, and a
// 64 KiB binary no growing and copying of its buffer.

const (
	smallPayload = 2 << 10 // buffers up to this capacity go to smallBufs
	maxPooled    = 1 << 20 // larger buffers are left to the collector
)

var smallBufs, largeBufs sync.Pool // of *[]byte

// payloadBuf returns a buffer with room for about hint bytes; give it
// back with releasePayload.
func payloadBuf(hint int) *[]byte {
	pool, size := &smallBufs, 256
	if hint > smallPayload {
		pool, size = &largeBufs, hint
	}
	if p, ok := pool.Get().(*[]byte); ok {
		if cap(*p) >= hint {
			*p = (*p)[:0]
			return p
		}
		pool.Put(p)
	}
	b := make([]byte, 0, max(size, hint))
	return &b
}

// releasePayload recycles buf once payload, encoded into it (and maybe
// grown out of it), has been written.
func releasePayload(buf *[]byte, payload []byte) {
	if buf == nil {
		return
	}
	*buf = payload[:0]
	switch c := cap(payload); {
	case c == 0 || c > maxPooled:
	case c <= smallPayload:
		smallBufs.Put(buf)
	default:
		largeBufs.Put(buf)
	}
}

// sizeHint estimates the encoded size of t, for the buffer's capacity:
// binaries count fully, other terms roughly; long lists and tuples are
// sampled.
func sizeHint(t term.Term, depth int) int {
	switch v := t.(type) {
	case term.Binary:
		return 5 + len(v)
	case term.Atom:
		return 3 + len(v)
	case term.Tuple:
		return 5 + elemsHint(v, depth)
	case term.List:
		return 6 + elemsHint(v, depth)
	}
	return 16
}

func elemsHint(elems []term.Term, depth int) int {
	if depth >= 4 {
		return 16 * len(elems)
	}
	const sample = 32
	n := 0
	for _, e := range elems[:min(len(elems), sample)] {
		n += sizeHint(e, depth+1)
	}
	if len(elems) > sample {
		n = n / sample * len(elems)
	}
	return n
}

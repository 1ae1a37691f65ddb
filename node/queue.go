package node

import "sync"

// msgQueue is a connection's queue of messages for the writer: a list of
// fixed-size chunks, so that a sender far ahead of the socket appends
// without ever copying what is already queued (a slice would be copied
// each time it doubled). Written chunks go back to a pool shared by all
// connections, so an idle connection keeps none.
type msgQueue struct {
	head, tail *msgChunk
	n          int
}

const chunkLen = 128

type msgChunk struct {
	msgs [chunkLen]outMsg
	n    int
	next *msgChunk
}

var chunks = sync.Pool{New: func() any { return new(msgChunk) }}

func (q *msgQueue) len() int { return q.n }

// push appends m.
func (q *msgQueue) push(m outMsg) {
	if q.tail == nil || q.tail.n == chunkLen {
		c := chunks.Get().(*msgChunk)
		if q.tail == nil {
			q.head = c
		} else {
			q.tail.next = c
		}
		q.tail = c
	}
	q.tail.msgs[q.tail.n] = m
	q.tail.n++
	q.n++
}

// take removes everything queued and returns the first chunk of it.
func (q *msgQueue) take() *msgChunk {
	c := q.head
	q.head, q.tail, q.n = nil, nil, 0
	return c
}

// recycle returns a written chunk, its messages cleared, to the pool.
func recycle(c *msgChunk) {
	c.n, c.next = 0, nil
	chunks.Put(c)
}

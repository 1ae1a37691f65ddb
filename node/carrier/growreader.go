package carrier

import "io"

// growReader is a buffered reader whose buffer starts small and doubles,
// up to a maximum, only when a read fills it: a connection that carries
// a request a second (a dashboard polling 200 nodes) keeps a few KiB, and
// one that streams messages reaches the large buffer that makes a burst
// cost few system calls. The buffer never shrinks back: a connection that
// was busy once is likely to be busy again.
type growReader struct {
	src  io.Reader
	buf  []byte
	r, w int // buf[r:w] is buffered
	max  int
	err  error // sticky read error, returned once the buffer is drained
}

func newGrowReader(src io.Reader, start, max int) *growReader {
	return &growReader{src: src, buf: make([]byte, start), max: max}
}

// Buffered returns how many bytes can be read without a system call.
func (g *growReader) Buffered() int { return g.w - g.r }

// Size returns the current size of the buffer.
func (g *growReader) Size() int { return len(g.buf) }

// Peek returns the next n bytes without consuming them, or fewer and
// io.ErrShortBuffer when fewer are buffered. It never reads.
func (g *growReader) Peek(n int) ([]byte, error) {
	if g.w-g.r < n {
		return g.buf[g.r:g.w], io.ErrShortBuffer
	}
	return g.buf[g.r : g.r+n], nil
}

// Read implements io.Reader. As bufio.Reader does, a read at least as
// large as the buffer goes straight into p when nothing is buffered.
func (g *growReader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if g.r == g.w {
		if g.err != nil {
			err := g.err
			g.err = nil
			return 0, err
		}
		if len(p) >= len(g.buf) {
			return g.src.Read(p)
		}
		g.fill()
		if g.r == g.w {
			err := g.err
			g.err = nil
			return 0, err
		}
	}
	n := copy(p, g.buf[g.r:g.w])
	g.r += n
	return n, nil
}

// fill reads once into the free end of the buffer, after moving what is
// buffered to its start. When the read filled the buffer to the end,
// more is probably waiting: the buffer doubles (up to max) for the next.
func (g *growReader) fill() {
	if g.r > 0 {
		copy(g.buf, g.buf[g.r:g.w])
		g.w -= g.r
		g.r = 0
	}
	n, err := g.src.Read(g.buf[g.w:])
	if n < 0 {
		n = 0
	}
	g.w += n
	if err != nil {
		g.err = err
	}
	if g.w == len(g.buf) && len(g.buf) < g.max {
		bigger := make([]byte, min(2*len(g.buf), g.max))
		copy(bigger, g.buf[:g.w])
		g.buf = bigger
	}
}

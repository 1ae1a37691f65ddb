package carrier

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"testing"
)

// chunkReader hands out its data in reads of at most step bytes, then
// returns err.
type chunkReader struct {
	data []byte
	step int
	err  error
}

func (c *chunkReader) Read(p []byte) (int, error) {
	if len(c.data) == 0 {
		return 0, c.err
	}
	n := min(len(p), c.step, len(c.data))
	copy(p, c.data[:n])
	c.data = c.data[n:]
	return n, nil
}

// TestGrowReaderReadsEverythingInOrder: whatever the read sizes of the
// source and of the caller, the bytes come out as they went in, and the
// source's error comes after the last of them.
func TestGrowReaderReadsEverythingInOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	data := make([]byte, 300<<10)
	for i := range data {
		data[i] = byte(rng.IntN(256))
	}
	boom := errors.New("boom")
	for _, step := range []int{1, 7, 4096, 5000, 1 << 20} {
		for _, want := range []int{1, 3, 4, 4096, 70000} {
			g := newGrowReader(&chunkReader{data: data, step: step, err: boom}, 16, 1<<10)
			var got bytes.Buffer
			p := make([]byte, want)
			var err error
			for {
				var n int
				n, err = g.Read(p[:1+rng.IntN(want)])
				got.Write(p[:n])
				if err != nil {
					break
				}
			}
			if err != boom {
				t.Fatalf("step %d read %d: error %v, want boom", step, want, err)
			}
			if !bytes.Equal(got.Bytes(), data) {
				t.Fatalf("step %d read %d: %d bytes differ from the %d sent", step, want, got.Len(), len(data))
			}
		}
	}
}

// TestGrowReaderGrowsOnlyUnderLoad: reads that never fill the buffer
// leave it at its start size; a stream that fills it doubles it up to
// the maximum, and no further.
func TestGrowReaderGrowsOnlyUnderLoad(t *testing.T) {
	quiet := newGrowReader(&chunkReader{data: make([]byte, 10000), step: 100, err: io.EOF}, 4096, 65536)
	if _, err := io.Copy(io.Discard, quiet); err != nil {
		t.Fatal(err)
	}
	if quiet.Size() != 4096 {
		t.Fatalf("a source of 100-byte reads grew the buffer to %d, want 4096", quiet.Size())
	}
	busy := newGrowReader(&chunkReader{data: make([]byte, 1<<20), step: 1 << 20, err: io.EOF}, 4096, 65536)
	p := make([]byte, 10)
	for {
		if _, err := busy.Read(p); err != nil {
			break
		}
	}
	if busy.Size() != 65536 {
		t.Fatalf("a streaming source left the buffer at %d, want the maximum 65536", busy.Size())
	}
}

// TestGrowReaderPeek: Peek shows buffered bytes without consuming them
// and never reads.
func TestGrowReaderPeek(t *testing.T) {
	g := newGrowReader(&chunkReader{data: []byte("abcdef"), step: 3, err: io.EOF}, 16, 16)
	if _, err := g.Peek(1); err != io.ErrShortBuffer {
		t.Fatalf("Peek before any read: %v, want ErrShortBuffer", err)
	}
	p := make([]byte, 1)
	if _, err := g.Read(p); err != nil || p[0] != 'a' {
		t.Fatalf("Read = %q, %v", p, err)
	}
	if got, err := g.Peek(2); err != nil || string(got) != "bc" || g.Buffered() != 2 {
		t.Fatalf("Peek(2) = %q, %v, buffered %d", got, err, g.Buffered())
	}
	if _, err := g.Peek(3); err != io.ErrShortBuffer {
		t.Fatalf("Peek past the buffered bytes: %v", err)
	}
}

package crashlog_test

import (
	"bytes"
	"context"
	"io"
	"net"
	"reflect"
	"testing"
	"time"

	"github.com/avmsh/avmsh/devices/crashlog"
	"github.com/avmsh/avmsh/node/serialdist"
)

// interleave inserts serial distribution traffic into console text
// every step bytes, mid-line: data frames (stale for an idle port),
// ticks, a handshake frame and bare sync markers, as a board that
// prints while a link is (or was) up puts them on the same UART.
func interleave(text []byte, step int) []byte {
	traffic := [][]byte{
		serialdist.AppendFrame32(nil, []byte{0x70, 0x83, 0x68, 0x02, 0x61, 0x16, 0x61, 0x01}),
		serialdist.Tick,
		serialdist.AppendFrame16(nil, []byte("sok")),
		{serialdist.Sync0, serialdist.Sync1, serialdist.Sync0, serialdist.Sync1},
		serialdist.AppendFrame32(nil, bytes.Repeat([]byte{0x83}, 300)),
	}
	var out []byte
	for i, k := 0, 0; i < len(text); i, k = i+step, k+1 {
		out = append(out, text[i:min(i+step, len(text))]...)
		out = append(out, traffic[k%len(traffic)]...)
	}
	return out
}

// TestInterleavedWithDistFrames: a console carrying serial distribution
// frames between (and inside) the lines of the dumps goes through a
// real serialdist.Port, which separates console text from frames; the
// parser, fed only the console text in the chunks the port delivers,
// finds the same events as in the plain text.
func TestInterleavedWithDistFrames(t *testing.T) {
	plain := fixtures(t)["console_esp32"]
	want := crashlog.Parse(plain, opts())
	if len(want) != 2 {
		t.Fatalf("fixture: %d events", len(want))
	}
	for _, step := range []int{7, 64, 333} {
		board, ours := net.Pipe()
		port := serialdist.NewPort(ours, "pipe", serialdist.PortConfig{})
		console, stop := port.ConsoleChan(0)
		go func() { _, _ = io.Copy(io.Discard, board) }() // whatever the port sends
		go func() {
			// The board writes in uneven pieces, as UART reads return.
			in := interleave(plain, step)
			for off, n := 0, 1; off < len(in); off, n = off+n, n%50+13 {
				if _, err := board.Write(in[off:min(off+n, len(in))]); err != nil {
					return
				}
			}
		}()
		p := crashlog.NewParser(opts())
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		var chunks int
		for len(p.Events()) < len(want) {
			select {
			case b := <-console:
				chunks++
				if bytes.Contains(b, []byte{serialdist.Sync0, serialdist.Sync1}) {
					t.Fatalf("the port passed a sync marker as console text: %q", b)
				}
				_, _ = p.Write(b)
			case <-ctx.Done():
				t.Fatalf("step %d: %d events after %d console chunks", step, len(p.Events()), chunks)
			}
		}
		cancel()
		stop()
		port.Close()
		board.Close()
		if got := p.Events(); !reflect.DeepEqual(got, want) {
			t.Fatalf("step %d:\n%+v\nwant\n%+v", step, got, want)
		}
		if st := port.Stats(); st.StaleFrames == 0 {
			t.Errorf("step %d: the port saw no frames: %+v", step, st)
		}
	}
}

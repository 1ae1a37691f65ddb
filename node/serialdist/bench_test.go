//go:build !windows

package serialdist

import (
	"context"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/avmsh/avmsh/node/carrier"
)

// BenchmarkPortPackets measures the whole serial stack (framing, CRC,
// demultiplexer, link state, queues) between two Ports joined by an
// in-memory pipe, i.e. without a UART's speed limit.
func BenchmarkPortPackets(b *testing.B) {
	for _, size := range []int{64, 1024, 16 << 10, 256 << 10} {
		b.Run(fmt.Sprintf("%dB", size), func(b *testing.B) {
			x, y := net.Pipe()
			pa := NewPort(x, "pipe-a", PortConfig{MinBurst: -1})
			pb := NewPort(y, "pipe-b", PortConfig{MinBurst: -1})
			defer pa.Close()
			defer pb.Close()
			l, err := ListenPort(pa)
			if err != nil {
				b.Fatal(err)
			}
			defer l.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			d, a := handshake(b, ctx, func() (carrier.Conn, error) { return pb.Dial(ctx) }, l)
			defer d.Close()
			defer a.Close()
			msg := make([]byte, size)
			msg[0] = 0x70
			done := make(chan error, 1)
			b.SetBytes(int64(size))
			b.ResetTimer()
			go func() {
				for i := 0; i < b.N; i++ {
					if _, err := a.ReadPacket(); err != nil {
						done <- err
						return
					}
				}
				done <- nil
			}()
			for i := 0; i < b.N; i++ {
				if err := d.WritePacket(msg); err != nil {
					b.Fatal(err)
				}
				if err := d.Flush(); err != nil {
					b.Fatal(err)
				}
			}
			if err := <-done; err != nil {
				b.Fatal(err)
			}
		})
	}
}

// BenchmarkPtyPackets is the same over a socat pty pair (two real
// go.bug.st/serial ports, the kernel's tty layer and socat in between):
// what a USB CDC device at full speed could at best see.
func BenchmarkPtyPackets(b *testing.B) {
	pa, pb := socatPair(b)
	ta, tb := NewTransport(PortConfig{MinBurst: -1}), NewTransport(PortConfig{MinBurst: -1})
	defer ta.Close()
	defer tb.Close()
	l, err := ta.Listen(pa)
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	d, a := handshake(b, ctx, func() (carrier.Conn, error) { return tb.Dial(ctx, pb) }, l)
	defer d.Close()
	defer a.Close()
	msg := make([]byte, 4096)
	msg[0] = 0x70
	b.SetBytes(int64(len(msg)))
	b.ResetTimer()
	done := make(chan error, 1)
	go func() {
		for i := 0; i < b.N; i++ {
			if _, err := a.ReadPacket(); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	for i := 0; i < b.N; i++ {
		if err := d.WritePacket(msg); err != nil {
			b.Fatal(err)
		}
		if err := d.Flush(); err != nil {
			b.Fatal(err)
		}
	}
	if err := <-done; err != nil {
		b.Fatal(err)
	}
}

package epmd

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"testing"

	"github.com/avmsh/avmsh/internal/erltest"
)

// BenchmarkLookup measures PORT_PLEASE2 lookups (one TCP connection
// each, as every Erlang node does) against our server and against OTP's
// epmd, with the same client. Compare the two ns/op lines; the
// bench/epmd program prints the ratio at several concurrency levels.
func BenchmarkLookup(b *testing.B) {
	run := func(b *testing.B, addr string) {
		c := NewClient(addr)
		ctx := context.Background()
		regs := make([]*Registration, 0, 8)
		for i := range 8 {
			r, err := c.Register(ctx, NodeInfo{Name: fmt.Sprintf("bench%d", i), Port: uint16(20000 + i)})
			if err != nil {
				b.Fatal(err)
			}
			regs = append(regs, r)
		}
		defer func() {
			for _, r := range regs {
				r.Close()
			}
		}()
		b.ReportAllocs()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				if _, err := c.Lookup(ctx, "bench"+strconv.Itoa(i%8)); err != nil {
					b.Error(err)
					return
				}
				i++
			}
		})
	}
	b.Run("avmsh", func(b *testing.B) {
		s, _ := startServer(b, Config{})
		run(b, net.JoinHostPort("127.0.0.1", strconv.Itoa(s.Port())))
	})
	b.Run("otp", func(b *testing.B) {
		e := erltest.StartEpmd(b)
		run(b, net.JoinHostPort("127.0.0.1", strconv.Itoa(e.Port)))
	})
}

// BenchmarkParseRequest measures the request parser alone.
func BenchmarkParseRequest(b *testing.B) {
	alive, _ := AppendRequest(nil, &AliveRequest{NodeInfo{Name: "benchmark", Port: 1, NodeType: 77, HighestVersion: 6, LowestVersion: 6}})
	port, _ := AppendRequest(nil, &PortRequest{Name: "benchmark"})
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseRequest(alive[2:]); err != nil {
			b.Fatal(err)
		}
		if _, err := ParseRequest(port[2:]); err != nil {
			b.Fatal(err)
		}
	}
}

package node

import (
	"bytes"
	"context"
	"encoding/binary"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/avmsh/avmsh/node/carrier"
	"github.com/avmsh/avmsh/node/dist"
	"github.com/avmsh/avmsh/node/handshake"
	"github.com/avmsh/avmsh/vm"
	"github.com/avmsh/avmsh/vm/term"
)

// benchPeer is a peer with BEAM's flags that writes pre-encoded packets
// and reads packets without decoding them: the node's cost is all that
// is measured.
type benchPeer struct {
	c    carrier.Conn
	nc   net.Conn
	enc  *dist.Encoder
	caps dist.Caps
	self term.Pid
}

func dialBenchPeer(b *testing.B, n *Node, name string) *benchPeer {
	b.Helper()
	c, err := (&carrier.TCPDialer{}).Dial(context.Background(), net.JoinHostPort("127.0.0.1", strconv.Itoa(n.ListenPort())))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { c.Close() })
	cfg := handshake.Config{Name: name, Flags: handshake.Default, Creation: 7,
		Cookie: func(string) string { return "c" }, Required: handshake.Required}
	hp, err := handshake.Initiate(context.Background(), c, cfg, string(n.Name()), nil)
	if err != nil {
		b.Fatal(err)
	}
	if err := c.StartData(); err != nil {
		b.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		if _, ok := n.Peer(term.Atom(name)); ok {
			break
		}
		if time.Now().After(deadline) {
			b.Fatal("peer not connected")
		}
	}
	caps := dist.CapsFor(hp.Flags)
	return &benchPeer{c: c, nc: c.(*carrier.StreamConn).NetConn(), enc: dist.NewEncoder(caps, handshake.Default&hp.Flags),
		caps: caps, self: term.NewPid(term.Atom(name), 1, 0, 7)}
}

type packetCapture struct{ bytes.Buffer }

func (c *packetCapture) WritePacketParts(parts ...[]byte) error {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	c.Write(binary.BigEndian.AppendUint32(nil, uint32(n)))
	for _, p := range parts {
		c.Write(p)
	}
	return nil
}

// packet returns the bytes of a SEND of msg to to once the atom cache
// holds its atoms (a first packet, to a pid that does not exist, fills
// the node's cache).
func (p *benchPeer) packet(b *testing.B, to term.Pid, msg term.Term) []byte {
	var out []byte
	for i := 0; i < 2; i++ {
		s := dist.Signal{Kind: dist.KindSend, From: p.self, To: to, Msg: msg}
		if i == 0 {
			s.To = term.NewPid(to.Node, 32767, 0, to.Creation)
		}
		ctrl, payload, has, err := dist.Build(s, p.caps)
		if err != nil {
			b.Fatal(err)
		}
		enc, err := dist.EncodePayload(nil, payload, p.caps)
		if err != nil {
			b.Fatal(err)
		}
		var c packetCapture
		if err := p.enc.Write(&c, ctrl, enc, has); err != nil {
			b.Fatal(err)
		}
		if i == 0 {
			if _, err := p.nc.Write(c.Bytes()); err != nil {
				b.Fatal(err)
			}
			continue
		}
		out = c.Bytes()
	}
	return out
}

// blast writes n copies of pkt, in 64 KiB writes, renumbering fragments.
func (p *benchPeer) blast(pkt []byte, n int) error {
	buf := make([]byte, 0, 64<<10)
	for i := 0; i < n; i++ {
		for off := 0; off+4 <= len(pkt); {
			l := int(binary.BigEndian.Uint32(pkt[off:]))
			body := pkt[off+4 : off+4+l]
			if len(body) >= 18 && body[0] == 131 && (body[1] == 69 || body[1] == 70) {
				binary.BigEndian.PutUint64(body[2:10], uint64(i)+1)
			}
			off += 4 + l
		}
		if len(buf)+len(pkt) > cap(buf) && len(buf) > 0 {
			if _, err := p.nc.Write(buf); err != nil {
				return err
			}
			buf = buf[:0]
		}
		if len(pkt) >= cap(buf) {
			if _, err := p.nc.Write(pkt); err != nil {
				return err
			}
			continue
		}
		buf = append(buf, pkt...)
	}
	_, err := p.nc.Write(buf)
	return err
}

// BenchmarkReceive: a peer writes {m, I, Bin} messages as fast as it can
// (pre-encoded, in 64 KiB writes) to a process that takes them from its
// mailbox: the node's whole receive path, reader to mailbox to receiver.
func BenchmarkReceive(b *testing.B) {
	for _, size := range []int{32, 64 << 10} {
		b.Run("binary="+strconv.Itoa(size), func(b *testing.B) {
			n := startNode(b, 0, "c", func(c *Config) { c.PortMapper = nil })
			peer := dialBenchPeer(b, n, "beam@127.0.0.1")
			p, _ := n.Runtime().NewProcess(vm.SpawnOptions{})
			defer p.Exit(vm.Normal)
			pkt := peer.packet(b, p.Self(), term.Tuple{term.Atom("m"), term.Int(1), term.Binary(strings.Repeat("x", size))})
			b.SetBytes(int64(size))
			b.ReportAllocs()
			b.ResetTimer()
			done := make(chan error, 1)
			go func() { done <- peer.blast(pkt, b.N) }()
			for i := 0; i < b.N; i++ {
				if _, err := p.Receive(context.Background(), nil, time.Minute); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			if err := <-done; err != nil {
				b.Fatal(err)
			}
		})
	}
}

// BenchmarkSend: a process sends {m, I, Bin} messages to a peer that
// reads the packets without decoding them.
func BenchmarkSend(b *testing.B) {
	for _, size := range []int{32, 64 << 10} {
		b.Run("binary="+strconv.Itoa(size), func(b *testing.B) {
			n := startNode(b, 0, "c", func(c *Config) { c.PortMapper = nil })
			peer := dialBenchPeer(b, n, "beam@127.0.0.1")
			p, _ := n.Runtime().NewProcess(vm.SpawnOptions{})
			defer p.Exit(vm.Normal)
			to := term.NewPid("beam@127.0.0.1", 5, 0, 7)
			payload := term.Binary(strings.Repeat("x", size))
			b.SetBytes(int64(size))
			b.ReportAllocs()
			b.ResetTimer()
			done := make(chan error, 1)
			go func() {
				for got := 0; got < b.N; {
					pkt, err := peer.c.ReadPacket()
					if err != nil {
						done <- err
						return
					}
					if len(pkt) >= 2 && !(pkt[0] == 131 && (pkt[1] == 69 || pkt[1] == 70) && binary.BigEndian.Uint64(pkt[10:18]) != 1) {
						got++
					}
				}
				done <- nil
			}()
			for i := 0; i < b.N; i++ {
				if err := p.Send(to, term.Tuple{term.Atom("m"), term.Int(i), payload}); err != nil {
					b.Fatal(err)
				}
			}
			if err := <-done; err != nil {
				b.Fatal(err)
			}
		})
	}
}

// BenchmarkRoundTrip: a process pings a peer that answers each packet it
// reads with a pre-encoded pong, and waits for the pong with a timeout
// (Send, then Receive with a match and a timeout, as bench/dist's rttAv
// does against BEAM): the node's whole round-trip path, sender to
// socket and reader to mailbox to receiver, once per iteration. The
// peer decodes nothing, so what it adds is a read and a write.
func BenchmarkRoundTrip(b *testing.B) {
	n := startNode(b, 0, "c", func(c *Config) { c.PortMapper = nil })
	peer := dialBenchPeer(b, n, "beam@127.0.0.1")
	p, _ := n.Runtime().NewProcess(vm.SpawnOptions{})
	defer p.Exit(vm.Normal)
	pong := peer.packet(b, p.Self(), term.Atom("pong"))
	ponger := term.NewPid("beam@127.0.0.1", 5, 0, 7)
	ping := term.Tuple{term.Atom("ping"), p.Self()}
	isPong := func(m term.Term) bool { return m == term.Atom("pong") }
	done := make(chan error, 1)
	go func() {
		for {
			pkt, err := peer.c.ReadPacket()
			if err != nil {
				done <- err
				return
			}
			if len(pkt) == 0 {
				continue // tick
			}
			if _, err := peer.nc.Write(pong); err != nil {
				done <- err
				return
			}
		}
	}()
	ctx, cancel := context.WithCancel(context.Background()) // as bench/dist's: one that can end
	defer cancel()
	b.ReportAllocs()
	b.ResetTimer()
	cpu := processCPU()
	for i := 0; i < b.N; i++ {
		if err := p.Send(ponger, ping); err != nil {
			b.Fatal(err)
		}
		if _, err := p.Receive(ctx, isPong, time.Minute); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, cpu)
	b.StopTimer()
	peer.c.Close()
	<-done
}

// BenchmarkRoundTripFloor is BenchmarkRoundTrip's floor: a Go program
// built like a node (bench/dist's "raw Go, reader goroutine") pings the
// same kind of peer with a pre-encoded packet over loopback TCP, and a
// reader goroutine hands each answer over a channel to the goroutine
// that waits for it. cpu-ns/op of the two, both including the peer's
// read and write, compare the node's path with the least a node does.
func BenchmarkRoundTripFloor(b *testing.B) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			close(accepted)
			return
		}
		accepted <- c
	}()
	nc, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	pc, ok := <-accepted
	if !ok {
		b.Fatal("accept failed")
	}
	me, peer := carrier.NewStreamConn(nc, "tcp", 0), carrier.NewStreamConn(pc, "tcp", 0)
	defer me.Close()
	defer peer.Close()
	if err := me.StartData(); err != nil {
		b.Fatal(err)
	}
	if err := peer.StartData(); err != nil {
		b.Fatal(err)
	}
	packet := func(n int) []byte { // a SEND-sized packet
		return append(binary.BigEndian.AppendUint32(nil, uint32(n)), make([]byte, n)...)
	}
	ping, pong := packet(40), packet(30)
	go func() { // the ponger
		for {
			if _, err := peer.ReadPacket(); err != nil {
				return
			}
			if _, err := pc.Write(pong); err != nil {
				return
			}
		}
	}()
	got := make(chan error, 1)
	go func() { // the reader goroutine: exactly b.N answers
		for i := 0; i < b.N; i++ {
			_, err := me.ReadPacket()
			got <- err
			if err != nil {
				return
			}
		}
	}()
	b.ReportAllocs()
	b.ResetTimer()
	cpu := processCPU()
	for i := 0; i < b.N; i++ {
		if _, err := nc.Write(ping); err != nil {
			b.Fatal(err)
		}
		if err := <-got; err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, cpu)
}

// reportCPU reports the CPU time of the whole process (every goroutine,
// user and system) since start, per iteration, as cpu-ns/op.
func reportCPU(b *testing.B, start time.Duration) {
	if end := processCPU(); end > 0 {
		b.ReportMetric(float64(end-start)/float64(b.N), "cpu-ns/op")
	}
}

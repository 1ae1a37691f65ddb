package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/avmsh/avmsh/epmd"
	"github.com/avmsh/avmsh/node"
	"github.com/avmsh/avmsh/node/carrier"
	"github.com/avmsh/avmsh/node/dist"
	"github.com/avmsh/avmsh/node/handshake"
	"github.com/avmsh/avmsh/vm/term"
)

// rawPeer is the floor: the least a Go program can do to exchange the
// same messages with BEAM over the same kind of socket — one goroutine,
// a handshake, then pre-encoded packets written and packets read and
// counted without decoding. Whatever avmsh adds on top (a process
// runtime, decoding, mailboxes, goroutine hand-offs) shows as the gap
// between avmsh and this peer.
type rawPeer struct {
	name  term.Atom
	self  term.Pid
	c     carrier.Conn
	caps  dist.Caps
	enc   *dist.Encoder
	dec   *dist.Decoder // readDecoded's (only it reads this peer's packets)
	flags handshake.Flags
}

// dialRaw connects a raw peer named name to the BEAM node target.
func dialRaw(ctx context.Context, epmdPort int, name, target, cookie string) (*rawPeer, error) {
	alive, host, err := node.SplitNodeName(target)
	if err != nil {
		return nil, err
	}
	port, err := (&epmd.PortMapper{Port: epmdPort}).Lookup(ctx, host, alive)
	if err != nil {
		return nil, err
	}
	c, err := (&carrier.TCPDialer{}).Dial(ctx, net.JoinHostPort(host, strconv.Itoa(port)))
	if err != nil {
		return nil, err
	}
	cfg := handshake.Config{Name: name, Flags: handshake.Default, Creation: 11,
		Cookie: func(string) string { return cookie }, Required: handshake.Required}
	hp, err := handshake.Initiate(ctx, c, cfg, target, nil)
	if err != nil {
		c.Close()
		return nil, err
	}
	if err := c.StartData(); err != nil {
		c.Close()
		return nil, err
	}
	caps := dist.CapsFor(hp.Flags)
	common := handshake.Default & hp.Flags
	return &rawPeer{
		name: term.Atom(name), self: term.NewPid(term.Atom(name), 1, 0, 11), c: c, caps: caps,
		enc: dist.NewEncoder(caps, common), flags: common,
	}, nil
}

func (r *rawPeer) Close() { r.c.Close() }

// capture collects the bytes of the packets an Encoder writes.
type capture struct{ b bytes.Buffer }

func (c *capture) WritePacketParts(parts ...[]byte) error {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	c.b.Write(binary.BigEndian.AppendUint32(nil, uint32(n)))
	for _, p := range parts {
		c.b.Write(p)
	}
	return nil
}

// packet returns the wire bytes (length prefixes included) of sending
// msg to to, as the peer would write it for every message once the atom
// cache holds the control message's atoms. A first packet, to a pid of
// the same node that does not exist, puts them in the peer's cache.
func (r *rawPeer) packet(to term.Pid, msg term.Term) ([]byte, error) {
	var out []byte
	for i := 0; i < 3; i++ {
		s := dist.Signal{Kind: dist.KindSend, From: r.self, To: to, Msg: msg}
		if i == 0 {
			s.To = term.NewPid(to.Node, 32767, 0, to.Creation)
		}
		ctrl, payload, has, err := dist.Build(s, r.caps)
		if err != nil {
			return nil, err
		}
		enc, err := dist.EncodePayload(nil, payload, r.caps)
		if err != nil {
			return nil, err
		}
		var c capture
		if err := r.enc.Write(&c, ctrl, enc, has); err != nil {
			return nil, err
		}
		switch i {
		case 0:
			if err := r.write(c.b.Bytes()); err != nil {
				return nil, err
			}
		case 1:
			out = c.b.Bytes()
		case 2:
			// Fragments carry a sequence number per message (blast
			// renumbers them); the rest must not change.
			a, b := setSeq(bytes.Clone(out), 0), setSeq(bytes.Clone(c.b.Bytes()), 0)
			if !bytes.Equal(a, b) {
				return nil, fmt.Errorf("raw peer: the packet for a %T is not stable", msg)
			}
		}
	}
	return out, nil
}

// write writes pre-encoded packets and flushes.
func (r *rawPeer) write(pkts ...[]byte) error {
	nc := r.c.(*carrier.StreamConn).NetConn()
	for _, p := range pkts {
		if _, err := nc.Write(p); err != nil {
			return err
		}
	}
	return nil
}

// setSeq gives the fragments in pkts (length-prefixed packets) the
// sequence number seq (erl_ext_dist, "Distribution Header for Fragmented
// Messages") and returns pkts.
func setSeq(pkts []byte, seq uint64) []byte {
	for off := 0; off+4 <= len(pkts); {
		n := int(binary.BigEndian.Uint32(pkts[off:]))
		body := pkts[off+4 : off+4+n]
		if len(body) >= 18 && body[0] == 131 && (body[1] == 69 || body[1] == 70) {
			binary.BigEndian.PutUint64(body[2:10], seq)
		}
		off += 4 + n
	}
	return pkts
}

// blast writes n copies of pkt then done, gathered into 64 KiB writes
// (a message larger than that is written on its own). Fragmented
// messages are renumbered in place, one sequence number each.
func (r *rawPeer) blast(pkt []byte, n int, done []byte) error {
	nc := r.c.(*carrier.StreamConn).NetConn()
	buf := make([]byte, 0, 64<<10)
	flush := func() error {
		if len(buf) == 0 {
			return nil
		}
		_, err := nc.Write(buf)
		buf = buf[:0]
		return err
	}
	for i := 0; i < n; i++ {
		setSeq(pkt, 1<<40+uint64(i))
		if len(buf)+len(pkt) > cap(buf) {
			if err := flush(); err != nil {
				return err
			}
		}
		if len(pkt) > cap(buf) {
			if _, err := nc.Write(pkt); err != nil {
				return err
			}
			continue
		}
		buf = append(buf, pkt...)
	}
	buf = append(buf, done...)
	return flush()
}

// readMessages reads packets until n whole messages have arrived
// (ticks skipped, fragments counted once, on their last fragment).
func (r *rawPeer) readMessages(n int, timeout time.Duration) error {
	_ = r.c.SetReadDeadline(time.Now().Add(timeout))
	defer r.c.SetReadDeadline(time.Time{})
	for got := 0; got < n; {
		pkt, err := r.c.ReadPacket()
		if err != nil {
			return fmt.Errorf("raw peer read (%d of %d messages): %w", got, n, err)
		}
		if complete(pkt) {
			got++
		}
	}
	return nil
}

// complete reports whether pkt ends a message: a whole message, or the
// last fragment of one (erl_ext_dist, "Distribution Header for
// Fragmented Messages": fragment ids count down to 1).
func complete(pkt []byte) bool {
	if len(pkt) < 2 {
		return false
	}
	if pkt[0] == 131 && (pkt[1] == 69 || pkt[1] == 70) {
		return len(pkt) >= 18 && binary.BigEndian.Uint64(pkt[10:18]) == 1
	}
	return true
}

// rttHandoff is the round trip of a Go program built like a node: a
// reader goroutine reads each packet and hands it over a channel to the
// goroutine that waits for it, which writes the next ping. Nothing is
// decoded; the hand-off between goroutines (and the Go scheduler's
// wake-up of an idle thread that comes with it) is what it adds to the
// raw peer's round trip.
func (r *rawPeer) rttHandoff(pkt []byte, n int) (time.Duration, error) {
	got := make(chan error, 1)
	go func() { // reads exactly the n pongs
		for i := 0; i < n; i++ {
			err := r.readMessages(1, time.Minute)
			got <- err
			if err != nil {
				return
			}
		}
	}()
	start := time.Now()
	for i := 0; i < n; i++ {
		if err := r.write(pkt); err != nil {
			return 0, err
		}
		if err := <-got; err != nil {
			return 0, err
		}
	}
	return time.Since(start), nil
}

// blastEncoded is blast with the work every sender has to do: each
// message {m, I, Bin} is encoded (ETF) when it is sent and written with
// its control message through the carrier (which gathers small packets
// into 64 KiB writes and writes large ones with writev) — one goroutine,
// no process runtime, no queue.
func (r *rawPeer) blastEncoded(to term.Pid, n int, bin term.Binary, done term.Term) error {
	var payload []byte
	var err error
	for i := 0; i < n; i++ {
		payload, err = dist.EncodePayload(payload[:0], term.Tuple{term.Atom("m"), term.Int(i), bin}, r.caps)
		if err != nil {
			return err
		}
		if err := r.enc.WriteSend(r.c, r.self, to, payload); err != nil {
			return err
		}
	}
	if payload, err = dist.EncodePayload(payload[:0], done, r.caps); err != nil {
		return err
	}
	if err := r.enc.WriteSend(r.c, r.self, to, payload); err != nil {
		return err
	}
	return r.c.Flush()
}

// readDecoded is readMessages with the work every receiver has to do:
// each packet is decoded into its terms.
func (r *rawPeer) readDecoded(n int, timeout time.Duration) error {
	_ = r.c.SetReadDeadline(time.Now().Add(timeout))
	defer r.c.SetReadDeadline(time.Time{})
	if r.dec == nil {
		r.dec = dist.NewDecoder()
	}
	dec := r.dec // one per connection: the atom cache lives across reads
	for got := 0; got < n; {
		pkt, err := r.c.ReadPacket()
		if err != nil {
			return fmt.Errorf("raw peer read (%d of %d messages): %w", got, n, err)
		}
		if len(pkt) == 0 {
			continue
		}
		m, err := dec.DecodeMessage(pkt)
		if errors.Is(err, dist.ErrIncomplete) {
			continue
		}
		if err != nil {
			return err
		}
		if m.Payload != nil {
			got++
		}
	}
	return nil
}

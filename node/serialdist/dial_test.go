//go:build !windows

package serialdist

import (
	"bytes"
	"context"
	"testing"
	"time"
)

// atomvmResponder plays AtomVM's responder side on a raw pty end: after
// its idle link manager takes a send_name, it answers with the status and
// the challenge, waits for the reply and acks.
func atomvmResponder(t *testing.T, peer *rawPeer, stopMarkers func()) {
	stopMarkers()
	peer.write(AppendFrame16(nil, []byte("sok")))
	ch := append([]byte{'N', 0, 0, 0, 0x0D, 0x03, 0x5F, 0x5F, 0xBC, 0xA0, 0x18, 0xD8, 0x2B, 0, 0, 0, 1, 0, 14}, "a@serial.local"...)
	peer.write(AppendFrame16(nil, ch))
	if r := peer.frame(Width16, 10*time.Second); len(r) != 21 || r[0] != 'r' {
		t.Errorf("challenge reply %q", r)
		return
	}
	peer.write(AppendFrame16(nil, append([]byte{'a'}, make([]byte, 16)...)))
}

// idleMarkers sends a bare marker every interval until stopped, like an
// idle AtomVM link manager.
func idleMarkers(peer *rawPeer, interval time.Duration) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		tk := time.NewTicker(interval)
		defer tk.Stop()
		for {
			select {
			case <-done:
				return
			case <-tk.C:
				peer.f.Write(marker)
			}
		}
	}()
	stopped := false
	return func() {
		if !stopped {
			stopped = true
			close(done)
			<-finished
		}
	}
}

// A "deaf" AtomVM (§5.12) swallows the first send_name while its idle
// link manager keeps sending markers; the port notices the markers, sends
// a sync burst and the send_name again, and the handshake completes.
func TestSerialDialResendsToDeafPeer(t *testing.T) {
	pa, pb := socatPair(t)
	p := openTest(t, pa, testConfig())
	peer := newRawPeer(t, pb)
	stop := idleMarkers(peer, 200*time.Millisecond)
	defer stop()
	script := make(chan []byte, 1)
	go func() {
		defer close(script)
		first := peer.frame(Width16, 10*time.Second) // swallowed
		n := len(peer.received())
		second := peer.frame(Width16, 15*time.Second)
		if !bytes.Equal(first, second) {
			t.Errorf("re-sent %q, first was %q", second, first)
		}
		script <- peer.received()[n:]
		atomvmResponder(t, peer, stop)
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := p.Dial(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := initiate(c); err != nil {
		t.Fatalf("handshake: %v", err)
	}
	between := <-script
	// The burst: about 1 s of markers 10 ms apart before the re-send.
	if n := bytes.Count(between, marker); n < 50 {
		t.Fatalf("only %d markers before the re-sent send_name", n)
	}
	if !bytes.Contains(between, teardownFrame) {
		t.Fatalf("no teardown frame before the re-sent send_name")
	}
	c.WritePacket([]byte{0x70, 0x83, 0x6A})
	c.Flush()
	if got := peer.frame(Width32, 5*time.Second); !bytes.Equal(got, []byte{0x70, 0x83, 0x6A}) {
		t.Fatalf("data frame %X", got)
	}
}

// Both sides initiate at once: the peer answers our send_name with its
// own. The port backs off, re-sends, and the idle peer then responds.
func TestSerialDialCollision(t *testing.T) {
	pa, pb := socatPair(t)
	p := openTest(t, pa, testConfig())
	peer := newRawPeer(t, pb)
	go func() {
		peer.frame(Width16, 10*time.Second)
		peer.write(append(append([]byte{}, preamble...), AppendFrame16(nil, sendName("avm@serial.local"))...))
		stop2 := idleMarkers(peer, 300*time.Millisecond) // its controller failed: idle again
		second := peer.frame(Width16, 15*time.Second)
		if len(second) == 0 || second[0] != 'N' {
			t.Errorf("re-sent %q", second)
		}
		atomvmResponder(t, peer, stop2)
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := p.Dial(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := initiate(c); err != nil {
		t.Fatalf("handshake after a collision: %v", err)
	}
	if st := p.Stats(); st.StaleFrames < 1 {
		t.Fatalf("the peer's send_name was not set aside: %+v", st)
	}
}

// A peer that still believes an old connection is up sends data frames
// (ticks) while we are idle: they are stale, not console text, and Dial
// tells the peer to drop that link before its handshake.
func TestSerialDialSendsTeardownFirst(t *testing.T) {
	pa, pb := socatPair(t)
	p := openTest(t, pa, testConfig())
	peer := newRawPeer(t, pb)
	ch, cancel := p.ConsoleChan(0)
	defer cancel()
	peer.write(Tick)
	peer.write(AppendFrame32(nil, []byte{0x70, 0x83}))
	time.Sleep(100 * time.Millisecond)
	if st := p.Stats(); st.StaleFrames != 2 || st.ConsoleBytes != 0 {
		t.Fatalf("stats %+v", st)
	}
	select {
	case b := <-ch:
		t.Fatalf("console got %q", b)
	default:
	}
	ctx, cfn := context.WithTimeout(context.Background(), 5*time.Second)
	defer cfn()
	c, err := p.Dial(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.WriteHandshake(sendName("b@serial.local")); err != nil {
		t.Fatal(err)
	}
	if got := peer.frame(Width16, 5*time.Second); got[0] != 'N' {
		t.Fatalf("got %q", got)
	}
	r := peer.received()
	if !bytes.HasPrefix(r, teardownFrame) || !bytes.Contains(r, preamble) {
		t.Fatalf("dial sent %X", r[:min(len(r), 64)])
	}
	// A second Dial on a busy port is refused.
	if _, err := p.Dial(ctx); err == nil {
		t.Fatal("second dial on one port succeeded")
	}
}

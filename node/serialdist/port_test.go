//go:build !windows

package serialdist

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/avmsh/avmsh/node/carrier"
)

// rawPeer scripts the other end of a pty the way AtomVM would, byte by
// byte.
type rawPeer struct {
	t    testing.TB
	f    *os.File
	mu   sync.Mutex
	buf  []byte
	seen []byte // everything received
	wake chan struct{}
	done chan struct{}
}

func newRawPeer(t testing.TB, path string) *rawPeer {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	r := &rawPeer{t: t, f: f, wake: make(chan struct{}, 1), done: make(chan struct{})}
	go func() {
		defer close(r.done)
		b := make([]byte, 4096)
		for {
			n, err := f.Read(b)
			if n > 0 {
				r.mu.Lock()
				r.buf = append(r.buf, b[:n]...)
				r.seen = append(r.seen, b[:n]...)
				r.mu.Unlock()
				select {
				case r.wake <- struct{}{}:
				default:
				}
			}
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() { f.Close(); <-r.done })
	return r
}

func (r *rawPeer) write(b []byte) {
	r.t.Helper()
	if _, err := r.f.Write(b); err != nil {
		r.t.Fatalf("raw peer write: %v", err)
	}
}

// frame waits for the next frame of width w, skipping everything else.
func (r *rawPeer) frame(w Width, d time.Duration) []byte {
	r.t.Helper()
	deadline := time.After(d)
	for {
		r.mu.Lock()
		for {
			tok := NextToken(r.buf, w)
			if tok.Kind == TokNeedMore {
				break
			}
			r.buf = r.buf[tok.N:]
			if tok.Kind == TokFrame {
				p := append([]byte(nil), tok.Payload...)
				r.mu.Unlock()
				return p
			}
		}
		r.mu.Unlock()
		select {
		case <-r.wake:
		case <-deadline:
			r.t.Fatalf("raw peer: no %d-bit frame within %s", w, d)
		}
	}
}

func (r *rawPeer) received() []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]byte(nil), r.seen...)
}

func TestSerialDialListenExchange(t *testing.T) {
	pa, pb := socatPair(t)
	ta, tb := NewTransport(testConfig()), NewTransport(testConfig())
	defer ta.Close()
	defer tb.Close()
	l, err := ta.Listen(Scheme + pa)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if l.Port() != 0 || l.Addr() != pa {
		t.Fatalf("listener addr %q port %d", l.Addr(), l.Port())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	d, a := handshake(t, ctx, func() (carrier.Conn, error) { return tb.Dial(ctx, Scheme+pb+"?baud=115200") }, l)
	if info := d.Info(); info.Transport != "serial" || info.Local != pb {
		t.Fatalf("info %+v", info)
	}
	if d.MaxPacket() != MaxDataFrame {
		t.Fatalf("MaxPacket %d", d.MaxPacket())
	}
	// Packets both ways, several per flush, parts, and ticks.
	for i := range 20 {
		msg := bytes.Repeat([]byte{byte(i)}, 1+i*37)
		if err := d.WritePacketParts([]byte{0x70}, msg); err != nil {
			t.Fatal(err)
		}
		if err := d.WritePacket(nil); err != nil { // tick
			t.Fatal(err)
		}
	}
	if err := d.Flush(); err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		p, err := readPacket(a, 5*time.Second)
		if err != nil {
			t.Fatalf("packet %d: %v", i, err)
		}
		if want := append([]byte{0x70}, bytes.Repeat([]byte{byte(i)}, 1+i*37)...); !bytes.Equal(p, want) {
			t.Fatalf("packet %d corrupted: %d bytes", i, len(p))
		}
	}
	if err := a.WritePacket([]byte("pong")); err != nil {
		t.Fatal(err)
	}
	if err := a.Flush(); err != nil {
		t.Fatal(err)
	}
	if p, err := readPacket(d, 5*time.Second); err != nil || string(p) != "pong" {
		t.Fatalf("reply %q %v", p, err)
	}
	// A tick arrives as an empty packet.
	if err := a.WritePacket(nil); err != nil {
		t.Fatal(err)
	}
	a.Flush()
	_ = d.SetReadDeadline(time.Now().Add(5 * time.Second))
	if p, err := d.ReadPacket(); err != nil || len(p) != 0 {
		t.Fatalf("tick: %q %v", p, err)
	}
	// A read deadline in the past times out.
	_ = d.SetReadDeadline(time.Now().Add(-time.Second))
	if _, err := d.ReadPacket(); !isTimeout(err) {
		t.Fatalf("expired deadline: %v", err)
	}
	// Closing one side tears the other down at once (teardown frame).
	d.Close()
	if err := drainUntilError(a, 5*time.Second); !errors.Is(err, ErrPeerClosed) {
		t.Fatalf("after peer close: %v", err)
	}
	a.Close()
	// And a new connection works on the same ports.
	d, a = handshake(t, ctx, func() (carrier.Conn, error) { return tb.Dial(ctx, Scheme+pb) }, l)
	if err := d.WritePacket([]byte("again")); err != nil {
		t.Fatal(err)
	}
	d.Flush()
	if p, err := readPacket(a, 5*time.Second); err != nil || string(p) != "again" {
		t.Fatalf("second connection: %q %v", p, err)
	}
	d.Close()
	a.Close()
}

func TestSerialPacketSizeLimit(t *testing.T) {
	pa, pb := socatPair(t)
	ta, tb := NewTransport(testConfig()), NewTransport(testConfig())
	defer ta.Close()
	defer tb.Close()
	l, err := ta.Listen(pa)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Second)
	defer cancel()
	d, a := handshake(t, ctx, func() (carrier.Conn, error) { return tb.Dial(ctx, pb) }, l)
	defer d.Close()
	defer a.Close()
	big := make([]byte, 900<<10)
	for i := range big {
		big[i] = byte(i * 7)
	}
	big[0] = 0x70
	errc := make(chan error, 1)
	go func() {
		err := d.WritePacket(big)
		if err == nil {
			err = d.Flush()
		}
		errc <- err
	}()
	p, err := readPacket(a, 40*time.Second)
	if err != nil {
		t.Fatalf("900 KiB packet: %v", err)
	}
	if !bytes.Equal(p, big) {
		t.Fatalf("900 KiB packet corrupted (%d bytes)", len(p))
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	err = a.WritePacket(make([]byte, 2<<20))
	if !errors.Is(err, carrier.ErrPacketTooLarge) || !strings.Contains(err.Error(), "2097152") || !strings.Contains(err.Error(), "1048576") {
		t.Fatalf("2 MiB packet: %v", err)
	}
	// The link is still fine after the refusal.
	if err := a.WritePacketParts([]byte{0x70}, make([]byte, MaxDataFrame-1)); err != nil {
		t.Fatalf("exactly 1 MiB refused: %v", err)
	}
	a.Flush()
	if p, err := readPacket(d, 40*time.Second); err != nil || len(p) != MaxDataFrame {
		t.Fatalf("1 MiB packet: %d bytes, %v", len(p), err)
	}
}

func TestSerialOpenErrors(t *testing.T) {
	pa, _ := socatPair(t)
	p := openTest(t, pa, testConfig())
	_, err := Open(Address{Device: pa}, testConfig())
	if !errors.Is(err, ErrPortBusy) || !strings.Contains(err.Error(), pa) {
		t.Fatalf("second open: %v", err)
	}
	if Classify(err) != ErrPortBusy {
		t.Fatalf("Classify: %v", Classify(err))
	}
	p.Close()
	p2, err := Open(Address{Device: pa}, testConfig())
	if err != nil {
		t.Fatalf("open after close: %v", err)
	}
	p2.Close()
	_, err = Open(Address{Device: "/dev/ttyDOESNOTEXIST9"}, testConfig())
	// Neutral words: the CLI adds its own hint ('avmsh devices').
	if !errors.Is(err, ErrPortNotFound) || !strings.Contains(err.Error(), "plugged in") || strings.Contains(err.Error(), "avmsh") {
		t.Fatalf("missing port: %v", err)
	}
	if _, err := p.Dial(context.Background()); err == nil {
		t.Fatal("dial on a closed port succeeded")
	}
}

func TestSerialConsoleDemux(t *testing.T) {
	pa, pb := socatPair(t)
	p := openTest(t, pa, testConfig())
	peer := newRawPeer(t, pb)
	ch, cancel := p.ConsoleChan(0)
	defer cancel()
	var want bytes.Buffer
	// Boot log, idle markers, stale frames of both widths, an ANSI
	// coloured line right after a marker, a lone 0xAA at the end.
	parts := [][]byte{
		[]byte("ets Jun  8 2016 00:22:57\r\nrst:0x1 (POWERON_RESET)\r\n"),
		marker,
		[]byte("\x1b[0;32mI (31) boot: ESP-IDF v5.1\x1b[0m\r\n"),
		AppendFrame16(nil, []byte("sok")),
		marker, marker,
		[]byte("AtomVM started.\r\n"),
		Tick,
		AppendFrame32(nil, []byte{0x70, 0x83, 0x68, 0x00}),
		[]byte("caf\xc3\xa9 \xc2\xaa done"),
	}
	for _, part := range parts {
		peer.write(part)
		switch {
		case bytes.Equal(part, marker), bytes.HasPrefix(part, marker):
		default:
			want.Write(part)
		}
		time.Sleep(20 * time.Millisecond)
	}
	var got bytes.Buffer
	deadline := time.After(10 * time.Second)
	for got.Len() < want.Len() {
		select {
		case b := <-ch:
			got.Write(b)
		case <-deadline:
			t.Fatalf("console got %q\nwant %q", got.String(), want.String())
		}
	}
	if got.String() != want.String() {
		t.Fatalf("console got %q\nwant %q", got.String(), want.String())
	}
	st := p.Stats()
	if st.StaleFrames != 3 || st.Markers < 3 || st.ConsoleBytes != int64(want.Len()) {
		t.Fatalf("stats %+v", st)
	}
	// A monitor-only port never sends anything.
	time.Sleep(2 * IdleMarkerInterval)
	if r := peer.received(); len(r) != 0 {
		t.Fatalf("monitor-only port sent %X", r)
	}
}

// AtomVM as initiator: preamble, then send_name; the Listener hands
// over a Conn whose first ReadHandshake is that send_name.
func TestSerialResponderFromAtomVMLikePeer(t *testing.T) {
	pa, pb := socatPair(t)
	p := openTest(t, pa, testConfig())
	l, err := ListenPort(p)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	peer := newRawPeer(t, pb)
	// An idle, listening port sends markers about every 0.5 s.
	time.Sleep(3 * IdleMarkerInterval)
	if n := bytes.Count(peer.received(), marker); n < 2 {
		t.Fatalf("%d idle markers in %s", n, 3*IdleMarkerInterval)
	}
	name := sendName("avm@serial.local")
	peer.write(append(append([]byte("boot done\r\n"), preamble...), AppendFrame16(nil, name)...))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := l.Accept(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	m, err := c.ReadHandshake()
	if err != nil || !bytes.Equal(m, name) {
		t.Fatalf("first handshake message %q %v", m, err)
	}
	if err := c.WriteHandshake([]byte("sok")); err != nil {
		t.Fatal(err)
	}
	if got := peer.frame(Width16, 5*time.Second); string(got) != "sok" {
		t.Fatalf("peer got %q", got)
	}
	// AtomVM sends 'r' and, right after 'a' is sent, data frames may
	// follow at once: they must be scanned as 32-bit frames.
	peer.write(AppendFrame16(nil, append([]byte{'r', 1, 2, 3, 4}, make([]byte, 16)...)))
	if m, err := c.ReadHandshake(); err != nil || m[0] != 'r' {
		t.Fatalf("challenge reply %q %v", m, err)
	}
	peer.write(append(AppendFrame32(nil, []byte("early")), Tick...))
	time.Sleep(50 * time.Millisecond) // the bytes are buffered before StartData
	if err := c.WriteHandshake(append([]byte{'a'}, make([]byte, 16)...)); err != nil {
		t.Fatal(err)
	}
	if err := c.StartData(); err != nil {
		t.Fatal(err)
	}
	if p, err := readPacket(c, 5*time.Second); err != nil || string(p) != "early" {
		t.Fatalf("early data frame %q %v", p, err)
	}
	// Bare idle markers mean AtomVM dropped the link.
	for range 3 {
		peer.write(marker)
		time.Sleep(30 * time.Millisecond)
	}
	if err := drainUntilError(c, 5*time.Second); !errors.Is(err, ErrPeerIdle) {
		t.Fatalf("after bare markers: %v", err)
	}
	if s := p.LinkState(); s != "idle" {
		t.Fatalf("state after teardown %q", s)
	}
}

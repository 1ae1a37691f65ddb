package epmd

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/avmsh/avmsh/internal/erltest"
)

func TestParseRequest(t *testing.T) {
	alive, _ := AppendRequest(nil, &AliveRequest{NodeInfo{Name: "n1", Port: 0x1234, NodeType: 77, HighestVersion: 6, LowestVersion: 5, Extra: []byte("ex")}})
	cases := []struct {
		name    string
		body    []byte
		want    Request
		wantErr string
	}{
		{"alive", alive[2:], &AliveRequest{NodeInfo{Name: "n1", Port: 0x1234, NodeType: 77, HighestVersion: 6, LowestVersion: 5, Extra: []byte("ex")}}, ""},
		{"alive trailing bytes (OTP ignores)", append(bytes.Clone(alive[2:]), 9, 9), &AliveRequest{NodeInfo{Name: "n1", Port: 0x1234, NodeType: 77, HighestVersion: 6, LowestVersion: 5, Extra: []byte("ex")}}, ""},
		{"alive too short", []byte{'x', 0, 1, 77, 0, 0, 6, 0, 6, 0, 0, 0, 0}, nil, "too short"},
		{"alive name overruns", []byte{'x', 0, 1, 77, 0, 0, 6, 0, 6, 0, 5, 'a', 0, 0}, nil, "name length 5"},
		{"alive extra overruns", []byte{'x', 0, 1, 77, 0, 0, 6, 0, 6, 0, 1, 'a', 0, 3, 1}, nil, "extra length 3"},
		{"alive NUL in name", []byte{'x', 0, 1, 77, 0, 0, 6, 0, 6, 0, 2, 'a', 0, 0, 0}, nil, "NUL"},
		{"port please", []byte("zfoo"), &PortRequest{Name: "foo"}, ""},
		{"port please NUL-terminated", []byte("zfoo\x00"), &PortRequest{Name: "foo"}, ""},
		{"port please empty", []byte("z"), nil, "no node name"},
		{"port please only NUL", []byte("z\x00"), nil, "no node name"},
		{"port please NUL inside", []byte("zf\x00o"), nil, "NUL"},
		{"port please bad UTF-8", []byte("z\xff"), nil, "UTF-8"},
		{"port please 256 chars", append([]byte("z"), bytes.Repeat([]byte("a"), 256)...), nil, "UTF-8"},
		{"port please 255 chars of 4 bytes", append([]byte("z"), bytes.Repeat([]byte("😀"), 255)...), &PortRequest{Name: strings.Repeat("😀", 255)}, ""},
		{"names", []byte("n"), &NamesRequest{}, ""},
		{"names with junk", []byte("nxyz"), &NamesRequest{}, ""},
		{"dump", []byte("d"), &DumpRequest{}, ""},
		{"kill", []byte("k"), &KillRequest{}, ""},
		{"stop", []byte("sfoo"), &StopRequest{Name: "foo"}, ""},
		{"stop C string", []byte("sfoo\x00bar"), &StopRequest{Name: "foo"}, ""},
		{"stop empty", []byte("s"), nil, "no node name"},
		{"empty", nil, nil, "empty request"},
		{"unknown", []byte("a"), nil, "unknown request"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseRequest(tc.body)
			if tc.wantErr != "" {
				var re *RequestError
				if !errors.As(err, &re) || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want *RequestError containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestAppendRequestBytes(t *testing.T) {
	b, err := AppendRequest(nil, &AliveRequest{NodeInfo{Name: "ab", Port: 0x0102, NodeType: 72, Protocol: 0, HighestVersion: 6, LowestVersion: 6}})
	if err != nil {
		t.Fatal(err)
	}
	want := []byte{0, 15, 'x', 1, 2, 72, 0, 0, 6, 0, 6, 0, 2, 'a', 'b', 0, 0}
	if !bytes.Equal(b, want) {
		t.Fatalf("ALIVE2_REQ = %v, want %v", b, want)
	}
	b, _ = AppendRequest(nil, &PortRequest{Name: "ab"})
	if !bytes.Equal(b, []byte{0, 3, 'z', 'a', 'b'}) {
		t.Fatalf("PORT_PLEASE2_REQ = %v", b)
	}
	if _, err := AppendRequest(nil, &PortRequest{Name: strings.Repeat("a", 70000)}); err == nil {
		t.Fatal("oversized request encoded")
	}
}

func TestParseNames(t *testing.T) {
	got, err := ParseNames([]byte("name a at port 1\nname with space at port 65535\n\nname x at port 2"))
	want := []NameEntry{{"a", 1}, {"with space", 65535}, {"x", 2}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("ParseNames = %v, %v", got, err)
	}
	for _, bad := range []string{"nom a at port 1\n", "name a at port x\n", "name a at port 70000\n", "name a\n"} {
		if _, err := ParseNames([]byte(bad)); err == nil || !strings.Contains(err.Error(), "line 1") {
			t.Errorf("ParseNames(%q) err = %v", bad, err)
		}
	}
}

func TestAddress(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	cases := []struct {
		host string
		env  map[string]string
		want string
		err  string
	}{
		{"", nil, "127.0.0.1:4369", ""},
		{"", map[string]string{"ERL_EPMD_PORT": "4370"}, "127.0.0.1:4370", ""},
		{"example.org", map[string]string{"ERL_EPMD_PORT": "4370"}, "example.org:4370", ""},
		{"example.org:99", map[string]string{"ERL_EPMD_PORT": "4370"}, "example.org:99", ""},
		{"::1", nil, "[::1]:4369", ""},
		{"[::1]", nil, "[::1]:4369", ""},
		{"[fe80::1]:4400", nil, "[fe80::1]:4400", ""},
		{":4400", nil, "127.0.0.1:4400", ""},
		{"h:0", nil, "", "not a TCP port"},
		{"h", map[string]string{"ERL_EPMD_PORT": "x"}, "", "ERL_EPMD_PORT"},
	}
	for _, tc := range cases {
		got, err := Address(tc.host, env(tc.env))
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("Address(%q) err = %v, want %q", tc.host, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("Address(%q, %v) = %q, %v; want %q", tc.host, tc.env, got, err, tc.want)
		}
	}
}

// FuzzParseRequest: the parser never panics, and what it accepts
// re-encodes to a request that parses to the same value.
func FuzzParseRequest(f *testing.F) {
	for _, r := range []Request{
		&AliveRequest{NodeInfo{Name: "node", Port: 4000, NodeType: 77, HighestVersion: 6, LowestVersion: 6}},
		&AliveRequest{NodeInfo{Name: "é", Port: 1, NodeType: 72, HighestVersion: 5, LowestVersion: 5, Extra: []byte{1, 2}}},
		&PortRequest{Name: "node"}, &NamesRequest{}, &DumpRequest{}, &KillRequest{}, &StopRequest{Name: "n"},
	} {
		b, _ := AppendRequest(nil, r)
		f.Add(b[2:])
	}
	f.Add([]byte{'x', 0, 1, 77, 0, 0, 6, 0, 6, 0xff, 0xff, 0, 0, 0})
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := ParseRequest(body)
		if err != nil {
			var re *RequestError
			if !errors.As(err, &re) {
				t.Fatalf("error %T is not a *RequestError", err)
			}
			return
		}
		if a, ok := req.(*AliveRequest); ok && a.Name == "" && len(a.Extra) == 0 {
			return // 13 bytes + padding: no shorter encoding exists
		}
		enc, err := AppendRequest(nil, req)
		if err != nil {
			t.Fatalf("cannot re-encode %+v: %v", req, err)
		}
		again, err := ParseRequest(enc[2:])
		if err != nil {
			t.Fatalf("re-encoded %+v does not parse: %v", req, err)
		}
		if !reflect.DeepEqual(req, again) {
			t.Fatalf("round trip: %+v became %+v", req, again)
		}
	})
}

// pipeDialer hands the client one end of a pipe whose other end reads
// the request and answers with canned bytes.
type pipeDialer struct{ answer []byte }

func (d pipeDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	cli, srv := net.Pipe()
	go func() {
		defer srv.Close()
		srv.SetDeadline(time.Now().Add(erltest.Timeout(2 * time.Second)))
		var h [2]byte
		if _, err := io.ReadFull(srv, h[:]); err != nil {
			return
		}
		io.CopyN(io.Discard, srv, int64(h[0])<<8|int64(h[1]))
		srv.Write(d.answer)
	}()
	return cli, nil
}

// FuzzClientAnswers: whatever an "epmd" answers, the client returns a
// value or an error, never panics or hangs.
func FuzzClientAnswers(f *testing.F) {
	f.Add(byte(0), []byte{'v', 0, 0, 0, 0, 9})
	f.Add(byte(0), []byte{'y', 1, 0, 99})
	f.Add(byte(1), []byte{'w', 0, 0x10, 0, 77, 0, 0, 6, 0, 6, 0, 1, 'a', 0, 1, 7})
	f.Add(byte(1), []byte{'w', 1})
	f.Add(byte(1), []byte{'w', 0, 0x10, 0, 77, 0, 0, 6, 0, 6, 0xff, 0xff})
	f.Add(byte(2), []byte("\x00\x00\x11\x11name a at port 1\n"))
	f.Add(byte(3), []byte("NO"))
	f.Add(byte(4), []byte("NOEXISTSTOPPED"))
	f.Add(byte(5), []byte("\x00\x00\x11\x11active name     <a> at port 1, fd = 3\n\x00"))
	f.Fuzz(func(t *testing.T, op byte, answer []byte) {
		c := &Client{Addr: "fuzz:1", Timeout: 2 * time.Second, Dialer: pipeDialer{answer}}
		ctx := context.Background()
		switch op % 6 {
		case 0:
			if r, err := c.Register(ctx, NodeInfo{Name: "a", Port: 1}); err == nil {
				r.Close()
			}
		case 1:
			c.Lookup(ctx, "a")
		case 2:
			c.Names(ctx)
		case 3:
			c.Kill(ctx)
		case 4:
			c.Stop(ctx, "a")
		case 5:
			c.Dump(ctx)
		}
	})
}

// FuzzServerRequest: whatever a client sends, the server answers or
// drops it and keeps serving.
func FuzzServerRequest(f *testing.F) {
	f.Add([]byte("\x00\x05zname"))
	f.Add([]byte("\x00\x01n"))
	f.Add([]byte("\x00\x01d"))
	f.Add([]byte("\x00\x01k"))
	f.Add([]byte("\x00\x02sa"))
	f.Add([]byte("\x00\x0ex\x00\x01M\x00\x00\x06\x00\x06\x00\x01a\x00\x00"))
	f.Add([]byte("\xff\xff"))
	s, c := startServer(f, Config{PacketTimeout: time.Second})
	// A live node makes KILL a refused request rather than the end.
	keeper, err := c.Register(context.Background(), NodeInfo{Name: "keeper", Port: 1})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { keeper.Close() })
	f.Fuzz(func(t *testing.T, data []byte) {
		conn, err := net.Dial("tcp", c.Addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		conn.SetDeadline(time.Now().Add(erltest.Timeout(3 * time.Second)))
		conn.Write(data)
		conn.(*net.TCPConn).CloseWrite()
		io.Copy(io.Discard, conn)
		select {
		case <-s.Done():
			t.Fatal("the server stopped")
		case <-keeper.Done():
			t.Fatal("the keeper registration ended")
		default:
		}
	})
}

func TestClientOldAlive2Resp(t *testing.T) {
	c := &Client{Addr: "old:4369", Dialer: pipeDialer{[]byte{'y', 0, 0, 3}}}
	r, err := c.Register(context.Background(), NodeInfo{Name: "n", Port: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if r.Creation != 3 {
		t.Fatalf("creation from ALIVE2_RESP = %d, want 3", r.Creation)
	}
	c.Dialer = pipeDialer{[]byte{'y', 1, 0, 99}}
	if _, err := c.Register(context.Background(), NodeInfo{Name: "n", Port: 1}); !errors.Is(err, ErrNameTaken) {
		t.Fatalf("refused ALIVE2_RESP: %v", err)
	}
	c.Dialer = pipeDialer{[]byte{'w', 0}}
	var pe *ProtocolError
	if _, err := c.Register(context.Background(), NodeInfo{Name: "n", Port: 1}); !errors.As(err, &pe) {
		t.Fatalf("wrong answer tag: %v", err)
	}
}

// TestClientTimeouts: an epmd that accepts and never answers.
func TestClientTimeouts(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var held []net.Conn
	accepted := make(chan struct{})
	go func() {
		defer close(accepted)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			held = append(held, c)
		}
	}()
	defer func() {
		l.Close()
		<-accepted
		for _, c := range held {
			c.Close()
		}
	}()
	c := NewClient(l.Addr().String())
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = c.Lookup(ctx, "x")
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > erltest.Timeout(10*time.Second) {
		t.Fatalf("lookup with a silent epmd: %v after %v", err, time.Since(start))
	}
	var oe *OpError
	if !errors.As(err, &oe) || oe.Op != "lookup" || errors.Is(err, ErrNoEpmd) {
		t.Fatalf("want an *OpError for lookup, not ErrNoEpmd: %v", err)
	}
	// Cancellation interrupts a request in flight.
	ctx2, cancel2 := context.WithCancel(context.Background())
	go func() { time.Sleep(100 * time.Millisecond); cancel2() }()
	if _, err := c.Names(ctx2); !errors.Is(err, context.Canceled) {
		t.Fatalf("names cancelled: %v", err)
	}
	// Client.Timeout applies without a context deadline.
	c.Timeout = 150 * time.Millisecond
	if _, err := c.Register(context.Background(), NodeInfo{Name: "x", Port: 1}); err == nil || !strings.Contains(err.Error(), "no answer within 150ms") {
		t.Fatalf("register with Client.Timeout: %v", err)
	}
}

//go:build linux

package epmd

import (
	"fmt"
	"io"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/avmsh/avmsh/internal/erltest"
)

// TestFastPathPartialWrite: when the answer does not fit in the socket
// buffer, the fast path hands the rest to a goroutine.
func TestFastPathPartialWrite(t *testing.T) {
	s := NewServer(Config{})
	defer s.Close()
	for i := range 200 {
		if n, why := s.reg.register(NodeInfo{Name: fmt.Sprintf("%0200d", i), Port: uint16(i + 1), HighestVersion: 6}, nil, 0, "test"); n == nil {
			t.Fatal(why)
		}
	}
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	srv, cli := fds[0], os.NewFile(uintptr(fds[1]), "client")
	defer cli.Close()
	if err := syscall.SetsockoptInt(srv, syscall.SOL_SOCKET, syscall.SO_SNDBUF, 4096); err != nil {
		t.Fatal(err)
	}
	if _, err := cli.Write([]byte{0, 1, 'n'}); err != nil {
		t.Fatal(err)
	}
	in, out := new([inbufSize]byte), new([inbufSize]byte)
	s.serveFD(srv, in, out) // writes what fits, hands over the rest
	cli.SetDeadline(time.Now().Add(erltest.Timeout(5 * time.Second)))
	b, err := io.ReadAll(cli)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParseNames(b[4:])
	if err != nil || len(got) != 200 {
		t.Fatalf("names after a partial write: %d entries, %v", len(got), err)
	}
}

//go:build !windows

package serialnode_test

import (
	"context"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/avmsh/avmsh/node/serialdist"
	"github.com/avmsh/avmsh/node/serialdist/serialtest"
	"github.com/avmsh/avmsh/node/serialnode"
)

type lockedBuf struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// Issue: after a flasher borrowed a node's port (load --persist, flash
// with a node connected), the board's boot log was not shown: the
// console copier ended with the closed port and was not attached to the
// reopened one, and what the board printed right after its reset went to
// the flasher. The console now follows the port through the loan: the
// borrower gives back the text it read (Loan.ReturnConsole), the
// reopened port's console starts with it, and FollowConsole prints that
// and what follows, in order, with the device's prefix.
func TestConsoleFollowsPortThroughLoan(t *testing.T) {
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	a, b := serialtest.SocatPair(t)
	tr := serialdist.NewTransport(serialdist.PortConfig{MinBurst: -1, Holder: "test node"})
	defer tr.Close()
	l, err := tr.Listen("serial:" + a)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	out := &lockedBuf{}
	stop := serialnode.FollowConsole(tr, l.Ports(), out, func(dev string) string { return "[" + strings.TrimPrefix(dev, "/dev/") + "] " })
	defer stop()
	board, err := os.OpenFile(b, os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer board.Close()
	prefix := "[" + strings.TrimPrefix(a, "/dev/") + "] "
	waitFor := func(what string) {
		t.Helper()
		deadline := time.Now().Add(60 * time.Second)
		for !strings.Contains(out.String(), what) {
			if time.Now().After(deadline) {
				t.Fatalf("%q never printed; output %q", what, out.String())
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	board.WriteString("before the flash\n")
	waitFor(prefix + "before the flash\n")

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	loan, err := serialdist.Borrow(ctx, a, "flasher (test)")
	if err != nil {
		t.Fatal(err)
	}
	// The flasher holds the device; the board restarts and prints its
	// boot log, which the flasher reads.
	raw, err := serialdist.OpenRaw(serialdist.Address{Device: a})
	if err != nil {
		t.Fatal(err)
	}
	board.WriteString("rst:0x1 (POWERON_RESET)\nI (412) AtomVM: Starting main.avm...\n")
	var boot []byte
	buf := make([]byte, 256)
	for !strings.Contains(string(boot), "Starting main.avm...\n") {
		_ = raw.SetReadTimeout(100 * time.Millisecond)
		n, err := raw.Read(buf)
		boot = append(boot, buf[:n]...)
		if err != nil || ctx.Err() != nil {
			t.Fatalf("the flasher's read: %v (%q)", err, boot)
		}
	}
	raw.Close()
	loan.ReturnConsole(boot)
	waitFor(prefix + "I (412) AtomVM: Starting main.avm...\n")
	board.WriteString("hello from the new application\n")
	waitFor(prefix + "hello from the new application\n")
	got := out.String()
	i, j, k := strings.Index(got, "before the flash"), strings.Index(got, "rst:0x1"), strings.Index(got, "hello from the new")
	if !(i >= 0 && i < j && j < k) || !strings.Contains(got, prefix+"rst:0x1 (POWERON_RESET)\n") {
		t.Fatalf("console out of order or unprefixed:\n%s", got)
	}
}

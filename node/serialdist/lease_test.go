package serialdist

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

type fakeLender struct {
	mu     sync.Mutex
	events []string
	refuse error
}

func (f *fakeLender) Lend(_ context.Context, who string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.refuse != nil {
		return f.refuse
	}
	f.events = append(f.events, "lend "+who)
	return nil
}

func (f *fakeLender) Returned(console []byte) {
	f.mu.Lock()
	if len(console) > 0 {
		f.events = append(f.events, "console "+string(console))
	}
	f.events = append(f.events, "returned")
	f.mu.Unlock()
}

func (f *fakeLender) seen() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.events...)
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestLeaseLendAndReturn(t *testing.T) {
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	ctx := context.Background()
	f := &fakeLender{}
	stop, err := Offer("/dev/ttyFAKE0", "avmsh monitor (pid 1)", f)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	loan, err := Borrow(ctx, "/dev/ttyFAKE0", "avmsh flash (pid 2)")
	if err != nil {
		t.Fatal(err)
	}
	if loan.Holder != "avmsh monitor (pid 1)" {
		t.Errorf("holder %q", loan.Holder)
	}
	if ev := f.seen(); len(ev) != 1 || ev[0] != "lend avmsh flash (pid 2)" {
		t.Fatalf("the device was not closed before Borrow returned: %v", ev)
	}
	loan.Return()
	loan.Return() // idempotent
	waitUntil(t, "the holder to get the port back", func() bool { return len(f.seen()) == 2 })

	// A second loan works the same; a borrower that dies (its
	// connection closes) gives the port back too.
	loan, err = Borrow(ctx, "/dev/ttyFAKE0", "avmsh flash (pid 3)")
	if err != nil {
		t.Fatal(err)
	}
	loan.c.Close()
	waitUntil(t, "the port back after the borrower died", func() bool { return len(f.seen()) == 4 })
}

// A borrower gives the device back with the board's text it read (a
// flasher's boot log after the reset); the holder gets it with the
// return. A line beyond the bound ends the loan without its text.
func TestLeaseReturnsConsole(t *testing.T) {
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	ctx := context.Background()
	f := &fakeLender{}
	stop, err := Offer("/dev/ttyFAKE1", "node", f)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	loan, err := Borrow(ctx, "/dev/ttyFAKE1", "flasher")
	if err != nil {
		t.Fatal(err)
	}
	loan.ReturnConsole([]byte("rst:0x1\r\nI (412) AtomVM: Starting main.avm...\r\n\x00\xff"))
	waitUntil(t, "the return", func() bool { return len(f.seen()) == 3 })
	if ev := f.seen(); ev[1] != "console rst:0x1\r\nI (412) AtomVM: Starting main.avm...\r\n\x00\xff" || ev[2] != "returned" {
		t.Fatalf("events %q", ev)
	}
	loan, err = Borrow(ctx, "/dev/ttyFAKE1", "flasher")
	if err != nil {
		t.Fatal(err)
	}
	huge := "CONSOLE " + strings.Repeat("QUFB", 2*maxReturnedConsole) + "\nRETURN\n"
	_, _ = loan.c.Write([]byte(huge)) // the holder hangs up half way
	waitUntil(t, "the second return", func() bool { return len(f.seen()) == 5 })
	if ev := f.seen(); ev[4] != "returned" {
		t.Fatalf("events %q", ev[3:])
	}
	loan.Return()
}

func TestLeaseNobodyHolds(t *testing.T) {
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	loan, err := Borrow(context.Background(), "/dev/ttyNOBODY", "x")
	if err != nil || loan.Holder != "" {
		t.Fatalf("loan %+v, %v", loan, err)
	}
	loan.Return()
}

func TestLeaseRefusedAndStale(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_RUNTIME_DIR", dir)
	// A holder that died left its socket behind.
	path := leasePath("/dev/ttyFAKE1")
	if filepath.Dir(path) != filepath.Join(dir, "avmsh-ports") {
		t.Fatalf("socket at %s", path)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	ln.Close() // the file stays; nobody answers
	if loan, err := Borrow(context.Background(), "/dev/ttyFAKE1", "x"); err != nil || loan.Holder != "" {
		t.Fatalf("stale socket: loan %+v, %v", loan, err)
	}
	f := &fakeLender{refuse: errors.New("busy writing")}
	stop2, err := Offer("/dev/ttyFAKE1", "alive", f)
	if err != nil {
		t.Fatalf("offer over a stale socket: %v", err)
	}
	defer stop2()
	if _, err := Offer("/dev/ttyFAKE1", "second", f); err == nil {
		t.Error("a second holder could offer the same device")
	}
	if _, err := Borrow(context.Background(), "/dev/ttyFAKE1", "x"); !errors.Is(err, ErrLendRefused) {
		t.Fatalf("refusal: %v", err)
	}
}

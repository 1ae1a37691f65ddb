//go:build !windows

package monitorcmd

import (
	"context"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/avmsh/avmsh/cmd/avmsh/internal/cmdutil"
	"github.com/avmsh/avmsh/internal/erltest"
	"github.com/avmsh/avmsh/node/serialdist"
)

// `avmsh flash` in another terminal borrows the monitor's port: the
// monitor lets go, says to whom, and reopens the port afterwards. The
// board's boot log, which the flasher read while it held the port, comes
// back with it and is shown before what the board prints next: the
// console follows the port through the loan.
func TestMonitorLendsItsPort(t *testing.T) {
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	var mu sync.Mutex
	var boards []net.Conn
	open := func(a serialdist.Address) (*serialdist.Port, error) {
		mu.Lock()
		defer mu.Unlock()
		x, y := net.Pipe()
		boards = append(boards, y)
		return serialdist.NewPort(x, a.Device, serialdist.PortConfig{}), nil
	}
	board := func(i int) net.Conn {
		for {
			mu.Lock()
			if len(boards) > i {
				b := boards[i]
				mu.Unlock()
				return b
			}
			mu.Unlock()
			time.Sleep(10 * time.Millisecond)
		}
	}
	var out, errOut erltest.SyncBuffer
	opts := &Options{IO: &cmdutil.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}, Port: "/dev/ttyLEND0", EOL: "CRLF", Open: open}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- Run(ctx, opts) }()
	board(0).Write([]byte("app output\n"))
	waitFor(t, &out, "app output\n")

	loan, err := serialdist.Borrow(ctx, "/dev/ttyLEND0", "avmsh flash (pid 42)")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(loan.Holder, "avmsh monitor") {
		t.Errorf("holder %q", loan.Holder)
	}
	waitFor(t, &out, "/dev/ttyLEND0 lent to avmsh flash (pid 42)")
	board(0).SetWriteDeadline(time.Now().Add(time.Second))
	if _, err := board(0).Write([]byte("x")); err == nil {
		t.Error("the monitor still reads the port during the loan")
	}
	loan.ReturnConsole([]byte("rst:0x1 (POWERON_RESET)\nI (412) AtomVM: Starting main.avm...\n"))
	waitFor(t, &out, "/dev/ttyLEND0 is back")
	board(1).Write([]byte("new app output\n"))
	waitFor(t, &out, "new app output\n")
	o := out.String()
	if b := strings.Index(o, "I (412) AtomVM: Starting main.avm...\n"); b < strings.Index(o, "lent to") || b > strings.Index(o, "new app output") {
		t.Errorf("the boot log read during the loan is missing or out of place:\n%s", o)
	}
	cancel()
	if err := <-done; cmdutil.ExitCode(err) != cmdutil.ExitInterrupted {
		t.Fatal(err)
	}
}

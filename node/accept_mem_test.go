//go:build unix

package node

import (
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/avmsh/avmsh/internal/erltest"
)

// rawConnect opens a TCP connection to 127.0.0.1:port with a bare socket
// (no Go net.Conn, so the client side adds next to nothing to the heap
// being measured) and writes msg on it.
func rawConnect(port int, msg []byte) (int, error) {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		return -1, err
	}
	if err := syscall.Connect(fd, &syscall.SockaddrInet4{Port: port, Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		syscall.Close(fd)
		return -1, err
	}
	if _, err := syscall.Write(fd, msg); err != nil {
		syscall.Close(fd)
		return -1, err
	}
	return fd, nil
}

// fdBudget makes room for want more file descriptors (raising the soft
// limit up to the hard one) and returns how many the test may use.
func fdBudget(t *testing.T, want int) int {
	t.Helper()
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	need := uint64(want + 256)
	if lim.Cur < need && lim.Max > lim.Cur {
		raised := lim
		raised.Cur = min(need, lim.Max)
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &raised); err == nil {
			t.Cleanup(func() { _ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim) })
			lim = raised
		}
	}
	if lim.Cur >= need {
		return want
	}
	return int(lim.Cur) - 256
}

func heapInUse() (inuse, alloc, stack uint64) {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse, ms.HeapAlloc, ms.StackInuse
}

// TestPendingHandshakeMemory (issue 15, item 25): 2,000 connections that
// each sent the start of a send_name and wait cost the node at most
// 8 KiB of heap each (the target is 4 KiB; it used to be over 128 KiB:
// two 64 KiB buffers per connection before any authentication). The
// bounds on pending handshakes are raised for the test, which measures
// what one pending handshake costs.
func TestPendingHandshakeMemory(t *testing.T) {
	const want = 2000
	count := fdBudget(t, 2*want) / 2 // both ends live in this process
	if count < want {
		t.Logf("RLIMIT_NOFILE allows %d connections, not %d: measuring with %d", count, want, count)
	}
	if count < 200 {
		t.Skipf("RLIMIT_NOFILE allows only %d connections", count)
	}
	n := startNode(t, 0, "c", func(c *Config) {
		c.PortMapper = nil
		c.SetupTime = erltest.Timeout(10 * time.Minute)
		c.MaxHandshakes = 2 * want
		c.MaxHandshakesPerSource = 2 * want
	})
	port := n.ListenPort()
	// A connection that sends "ff ff 4e" is refused at once (no
	// handshake message is that long); one that sends a 15-byte length,
	// the 'N' and nothing more waits in its handshake.
	partial := []byte{0x00, 0x0f, 'N'}
	fds := make([]int, 0, count)
	t.Cleanup(func() {
		for _, fd := range fds {
			syscall.Close(fd)
		}
	})
	warm, err := rawConnect(port, partial)
	if err != nil {
		t.Fatal(err)
	}
	fds = append(fds, warm)
	waitPending(t, n, 1)
	goroutines := runtime.NumGoroutine()

	inuse0, alloc0, stack0 := heapInUse()
	for range count {
		fd, err := rawConnect(port, partial)
		if err != nil {
			t.Fatalf("connection %d: %v", len(fds), err)
		}
		fds = append(fds, fd)
	}
	for range 100 {
		fd, err := rawConnect(port, []byte{0xff, 0xff, 'N'})
		if err != nil {
			t.Fatal(err)
		}
		fds = append(fds, fd)
	}
	waitPending(t, n, count+1)
	// Every handshake goroutine runs and reaches its read.
	deadline := time.Now().Add(erltest.Timeout(30 * time.Second))
	for runtime.NumGoroutine() < goroutines+count {
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines, want at least %d", runtime.NumGoroutine(), goroutines+count)
		}
		time.Sleep(10 * time.Millisecond)
	}
	inuse1, alloc1, stack1 := heapInUse()
	per := func(a, b uint64) int64 { return (int64(b) - int64(a)) / int64(count) }
	t.Logf("%d pending handshakes: heap in use +%d B each, heap allocated +%d B each, goroutine stacks +%d B each (not heap)",
		count, per(inuse0, inuse1), per(alloc0, alloc1), per(stack0, stack1))
	if p := n.PendingHandshakes(); p != count+1 {
		t.Fatalf("%d handshakes pending, want %d: the ff ff 4e connections must be refused, the others kept", p, count+1)
	}
	const bound = 8 << 10
	if per(inuse0, inuse1) > bound || per(alloc0, alloc1) > bound {
		t.Fatalf("a pending handshake costs more than %d bytes of heap", bound)
	}
}

//go:build linux

package root

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/avmsh/avmsh/internal/erltest"
)

// silentPty is a terminal that answers nothing: the test holds the
// master side, collects what the program writes and types for it.
type silentPty struct {
	master, slave *os.File
	mu            sync.Mutex
	out           bytes.Buffer
	done          chan struct{}
}

func openSilentPty(t *testing.T) *silentPty {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pty: %v", err)
	}
	if err := unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.IoctlSetWinsize(int(s.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: 30, Col: 110}); err != nil {
		t.Fatal(err)
	}
	p := &silentPty{master: m, slave: s, done: make(chan struct{})}
	go func() {
		defer close(p.done)
		buf := make([]byte, 4096)
		for {
			n, err := m.Read(buf)
			p.mu.Lock()
			p.out.Write(buf[:n])
			p.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() { s.Close(); m.Close(); <-p.done })
	return p
}

func (p *silentPty) written() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

func (p *silentPty) waitFor(t *testing.T, what string, from int) int {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		s := p.written()
		if i := strings.Index(s[min(from, len(s)):], what); i >= 0 {
			return from + i
		}
		if time.Now().After(deadline) {
			t.Fatalf("the terminal never showed %q; it got %q", what, s)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestTUISilentTerminal (defect 2, the dashboard's part) runs `avmsh` on
// a terminal that answers no query (a pty whose other side is this
// test). The dashboard asks its one question (the background colour)
// only inside the alternate screen, which it leaves at once, so that an
// unanswered query is never left on the screen — before, bubbletea's
// init asked first, on the main screen, and waited 5 s; a late answer
// is not typed into the shell; leaving restores the terminal's echo.
func TestTUISilentTerminal(t *testing.T) {
	bin := buildAvmsh(t)
	p := openSilentPty(t)
	epmdPort, err := erltest.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "--refresh", "1h")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "TERM=xterm-256color",
		"ERL_EPMD_PORT=" + strconv.Itoa(epmdPort), "AVMSH_COOKIE=" + erltest.RandomName("c")}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = p.slave, p.slave, p.slave
	// Its own session with the pty as controlling terminal, in the
	// foreground: as in a real terminal, where termenv would ask.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
	})
	first := p.waitFor(t, "1 Cluster", 0)
	t.Logf("first frame after %v", time.Since(start))
	out := p.written()[:first]
	const osc11 = "\x1b]11;?"
	if n := strings.Count(p.written(), osc11); n != 1 {
		t.Fatalf("the background was asked %d times, want once: %q", n, out)
	}
	i := strings.Index(out, osc11)
	if i < 0 || !strings.HasSuffix(out[:i], "\x1b[?1049h") || !strings.HasPrefix(out[i:], osc11+"\x1b\\\x1b[6n\x1b[?1049l") {
		t.Fatalf("the query is not inside the alternate screen, left at once: %q", out)
	}
	if strings.Contains(out[:i], "\x1b[6n") {
		t.Fatalf("the terminal was asked before the dashboard's question: %q", out)
	}

	// The shell view, then a late answer, then typing: the answer is
	// not typed into the shell.
	p.master.WriteString("5")
	at := p.waitFor(t, ")1> ", first)
	p.master.WriteString("\x1b]11;rgb:0000/0000/0000\x1b\\")
	p.master.WriteString("ok_typed")
	end := p.waitFor(t, "ok_typed", at)
	if s := p.written()[at:end]; strings.Contains(s, "rgb:") || strings.Contains(s, "11;") {
		t.Fatalf("the late answer was typed into the shell: %q", s)
	}
	p.master.WriteString("\x1b") // esc leaves the shell view
	p.waitFor(t, "quit", end)
	p.master.WriteString("q")
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("avmsh: %v; the terminal got %q", err, p.written())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("avmsh did not quit; the terminal got %q", p.written())
	}
	exited <- nil // for the cleanup
	st, err := unix.IoctlGetTermios(int(p.slave.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	if st.Lflag&unix.ECHO == 0 || st.Lflag&unix.ICANON == 0 {
		t.Fatalf("the terminal is left without echo or line mode: lflag %#x", st.Lflag)
	}
}

//go:build linux

package theme

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// pty is a pseudo-terminal whose other side (the "terminal") is the
// test: what the program writes is collected, and nothing is answered
// unless the test writes it.
type pty struct {
	master, slave *os.File
	mu            sync.Mutex
	out           bytes.Buffer
}

func openPty(t *testing.T) *pty {
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
	p := &pty{master: m, slave: s}
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 1024)
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
	t.Cleanup(func() { s.Close(); m.Close(); <-done })
	return p
}

func (p *pty) written() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

// upTo waits until the terminal has received marker (written by the
// program side after what the test checks) and returns what came
// before it.
func (p *pty) upTo(t *testing.T, marker string) string {
	t.Helper()
	if _, err := p.slave.WriteString(marker); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		if s := p.written(); strings.Contains(s, marker) {
			return s[:strings.Index(s, marker)]
		}
		if time.Now().After(deadline) {
			t.Fatalf("the terminal never got %q; it got %q", marker, p.written())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func env(kv ...string) func(string) string {
	return func(k string) string {
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i] == k {
				return kv[i+1]
			}
		}
		return ""
	}
}

func echoOn(t *testing.T, f *os.File) bool {
	t.Helper()
	st, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	return st.Lflag&unix.ECHO != 0
}

// TestDetectNeverAnswered (defect 2, the dashboard's part): a terminal
// that answers nothing costs the short timeout, not termenv's 5 s; the
// query is written inside the alternate screen, which is left at once;
// an answer arriving late is not echoed; the input mode is restored.
func TestDetectNeverAnswered(t *testing.T) {
	p := openPty(t)
	if !echoOn(t, p.slave) {
		t.Fatal("a new pty should echo")
	}
	start := time.Now()
	d := Detect(Terminal{In: p.slave, Out: p.slave, Getenv: env("TERM", "xterm-256color"), Timeout: 150 * time.Millisecond})
	if took := time.Since(start); took > 2*time.Second { // generous for a loaded machine; termenv waits 5 s
		t.Fatalf("Detect took %v on a terminal that does not answer", took)
	}
	if !d.Asked || d.Answered || !d.Dark {
		t.Fatalf("detection %+v", d)
	}
	// A late answer: not echoed while the dashboard has not restored.
	if _, err := p.master.WriteString("\x1b]11;rgb:0000/0000/0000\x1b\\"); err != nil {
		t.Fatal(err)
	}
	late := make([]byte, 64)
	if _, err := p.slave.Read(late); err != nil {
		t.Fatal(err)
	}
	if got := p.upTo(t, "MARK"); got != Query {
		t.Fatalf("the terminal got %q, want only the query %q", got, Query)
	}
	if echoOn(t, p.slave) {
		t.Fatal("echo is back on before Restore")
	}
	d.Restore()
	if !echoOn(t, p.slave) {
		t.Fatal("Restore did not bring echo back")
	}
}

// TestDetectAnswered: the background the terminal reports decides.
func TestDetectAnswered(t *testing.T) {
	for _, c := range []struct {
		answer string
		dark   bool
	}{
		{"\x1b]11;rgb:ffff/ffff/ffff\x1b\\\x1b[24;1R", false},
		{"\x1b]11;rgb:1e1e/1e1e/2e2e\a\x1b[3;7R", true},
		{"\x1b[1;1R", true}, // no OSC 11 support: the default
	} {
		p := openPty(t)
		go func() {
			deadline := time.Now().Add(10 * time.Second)
			for !strings.Contains(p.written(), askPos) && time.Now().Before(deadline) {
				time.Sleep(2 * time.Millisecond)
			}
			_, _ = p.master.WriteString(c.answer)
		}()
		d := Detect(Terminal{In: p.slave, Out: p.slave, Getenv: env("TERM", "xterm"), Timeout: 10 * time.Second})
		d.Restore()
		if !d.Asked || !d.Answered || d.Dark != c.dark {
			t.Fatalf("answer %q: %+v", c.answer, d)
		}
	}
}

// TestDetectAsksNothing: where asking is useless or harmful nothing is
// written to the terminal.
func TestDetectAsksNothing(t *testing.T) {
	for _, c := range []struct {
		env  []string
		dark bool
	}{
		{[]string{"TERM", "dumb"}, true},
		{[]string{"TERM", "linux"}, true},
		{[]string{"TERM", "tmux-256color"}, true},
		{[]string{"TERM", "screen"}, true},
		{[]string{"TERM", "xterm", "NO_COLOR", "1"}, true},
		{[]string{"TERM", "xterm", "COLORFGBG", "0;15"}, false},
		{[]string{"TERM", "xterm", "COLORFGBG", "15;default;0"}, true},
	} {
		p := openPty(t)
		d := Detect(Terminal{In: p.slave, Out: p.slave, Getenv: env(c.env...)})
		d.Restore()
		if d.Asked || d.Dark != c.dark {
			t.Fatalf("%v: %+v", c.env, d)
		}
		if got := p.upTo(t, "MARK"); got != "" {
			t.Fatalf("%v: the terminal got %q", c.env, got)
		}
	}
	// Not a terminal: nothing asked.
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	if d := Detect(Terminal{In: r, Out: w, Getenv: env("TERM", "xterm")}); d.Asked {
		t.Fatalf("asked a pipe: %+v", d)
	}
}

//go:build !windows

package monitorcmd

import (
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/avmsh/avmsh/cmd/avmsh/internal/cmdutil"
	"github.com/avmsh/avmsh/devices"
	"github.com/avmsh/avmsh/internal/erltest"
	"github.com/avmsh/avmsh/node/serialdist"
	"github.com/avmsh/avmsh/node/serialdist/serialtest"
)

func waitFor(t *testing.T, b *erltest.SyncBuffer, substr string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(b.String(), substr) {
		if time.Now().After(deadline) {
			t.Fatalf("never saw %q in:\n%q", substr, b.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func socatPair(t *testing.T) (string, string) { return serialtest.SocatPair(t) }

// The board's console text and distribution frames share the port: the
// monitor prints the text and hides the frames.
func TestMonitorStreamsConsoleAndHidesFrames(t *testing.T) {
	pa, pb := socatPair(t)
	board, err := os.OpenFile(pb, os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer board.Close()
	logPath := filepath.Join(t.TempDir(), "boot.log")
	var out, errOut erltest.SyncBuffer
	opts := &Options{
		IO:         &cmdutil.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut},
		Port:       "serial:" + pa + "?baud=115200",
		Timestamps: true,
		LogFile:    logPath,
		Reset:      true,
		ResetMode:  "auto",
		EOL:        "CRLF",
		ResetStyleOf: func(context.Context, string) devices.ResetStyle {
			return devices.ResetNone // a pty has no reset circuit
		},
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Run(ctx, opts) }()
	waitFor(t, &out, "reset failed")

	var want bytes.Buffer
	for _, part := range [][]byte{
		[]byte("ets Jun  8 2016 00:22:57\r\n"),
		{0xAA, 0x55},
		[]byte("\x1b[0;32mI (31) boot: ESP-IDF\x1b[0m\r\n"),
		serialdist.AppendFrame16(nil, []byte("sok")),
		serialdist.Tick,
		serialdist.AppendFrame32(nil, []byte{0x70, 0x83, 0x68, 0x02, 0x61, 0x01, 0x6A}),
		{0xAA, 0x55, 0xAA, 0x55},
		[]byte("AtomVM started.\r\nlast line\r\n"),
	} {
		if _, err := board.Write(part); err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(part, []byte{0xAA, 0x55}) {
			want.Write(part)
		}
		time.Sleep(20 * time.Millisecond)
	}
	waitFor(t, &out, "last line\r\n")
	cancel()
	if err := <-done; cmdutil.ExitCode(err) != cmdutil.ExitInterrupted {
		t.Fatal(err)
	}
	stamp := regexp.MustCompile(`(?m)^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} `)
	got := stamp.ReplaceAllString(out.String(), "")
	got = got[strings.Index(got, "ets Jun"):]
	if got != want.String() {
		t.Fatalf("console:\n%q\nwant\n%q", got, want.String())
	}
	if n := len(stamp.FindAllString(out.String(), -1)); n != 4 {
		t.Fatalf("%d stamped lines in %q", n, out.String())
	}
	logged, _ := os.ReadFile(logPath)
	if !bytes.Contains(logged, []byte("AtomVM started.")) || !stamp.Match(logged) {
		t.Fatalf("log file: %q", logged)
	}
	if e := errOut.String(); !strings.Contains(e, "avmsh monitor on "+pa+" at 115200 baud") || !strings.Contains(e, "hidden from the console: 3 distribution frames") {
		t.Fatalf("stderr: %q", e)
	}
}

// A port that goes away (a board re-enumerating after a reset) is opened
// again when it comes back.
func TestMonitorReconnects(t *testing.T) {
	var mu sync.Mutex
	var boards []net.Conn
	opens := 0
	open := func(a serialdist.Address) (*serialdist.Port, error) {
		mu.Lock()
		defer mu.Unlock()
		opens++
		if opens == 2 {
			return nil, serialdist.ErrPortNotFound // not back yet
		}
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
	opts := &Options{IO: &cmdutil.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}, Port: "/dev/ttyACM7", EOL: "CRLF", Open: open}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- Run(ctx, opts) }()
	board(0).Write([]byte("before reset\n"))
	waitFor(t, &out, "before reset\n")
	board(0).Close() // unplugged
	waitFor(t, &out, "waiting for /dev/ttyACM7 to come back")
	waitFor(t, &out, "reconnected")
	board(1).Write([]byte("after reset\n"))
	waitFor(t, &out, "after reset\n")
	cancel()
	if err := <-done; cmdutil.ExitCode(err) != cmdutil.ExitInterrupted {
		t.Fatal(err)
	}
	board(1).Close()
	// With --no-reconnect the monitor exits with "unreachable".
	opens = 0
	opts.NoReconnect = true
	ctx2, cancel2 := context.WithCancel(context.Background())
	defer cancel2()
	go func() { done <- Run(ctx2, opts) }()
	board(2).Close()
	if err := <-done; cmdutil.ExitCode(err) != cmdutil.ExitUnreachable {
		t.Fatalf("no-reconnect: %v", err)
	}
}

func TestMonitorBadPort(t *testing.T) {
	var out erltest.SyncBuffer
	opts := &Options{IO: &cmdutil.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &out}, Port: "/dev/ttyNOPE42", EOL: "CRLF"}
	err := Run(context.Background(), opts)
	if cmdutil.ExitCode(err) != cmdutil.ExitUnreachable || !strings.Contains(err.Error(), "avmsh devices") {
		t.Fatalf("%v", err)
	}
	opts.Port = "serial:/dev/x?baud=fast"
	if err := Run(context.Background(), opts); cmdutil.ExitCode(err) != cmdutil.ExitUsage {
		t.Fatalf("bad address: %v", err)
	}
}

// --safe (defect 26) shows the board's control characters visibly:
// nothing the board sends can drive the terminal. By default (--raw)
// they pass, as in other monitors.
func TestMonitorSafe(t *testing.T) {
	noise := []byte("\x1b[0;32mI (31) boot\x1b[0m\x07\x9b2J\xc2\x9b \xe2\x82\xac\r\nend\n")
	run := func(safe bool) string {
		x, board := net.Pipe()
		open := func(a serialdist.Address) (*serialdist.Port, error) {
			return serialdist.NewPort(x, a.Device, serialdist.PortConfig{}), nil
		}
		var out, errOut erltest.SyncBuffer
		opts := &Options{IO: &cmdutil.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut},
			Port: "/dev/ttyACM9", EOL: "CRLF", Open: open, NoReconnect: true, Safe: safe}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- Run(ctx, opts) }()
		if _, err := board.Write(noise); err != nil {
			t.Fatal(err)
		}
		waitFor(t, &out, "end\n")
		cancel()
		if err := <-done; cmdutil.ExitCode(err) != cmdutil.ExitInterrupted {
			t.Fatal(err)
		}
		board.Close()
		return out.String()
	}
	if got := run(false); !strings.Contains(got, string(noise)) {
		t.Fatalf("by default the bytes pass as they are: %q", got)
	}
	got := run(true)
	if want := `^[[0;32mI (31) boot^[[0m^G\x9b2J\x9b €` + "\r\nend\n"; !strings.Contains(got, want) {
		t.Fatalf("--safe shows %q, want %q", got, want)
	}
	if strings.IndexByte(got, 0x1b) >= 0 || strings.IndexByte(got, 0x07) >= 0 || strings.IndexByte(got, 0x9b) >= 0 {
		t.Fatalf("--safe let a control through: %q", got)
	}
}

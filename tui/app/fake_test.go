package app_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/avmsh/avmsh/tui/source"
	"github.com/avmsh/avmsh/vm/term"
)

// fakeSource is a deterministic Source for model tests.
type fakeSource struct {
	mu        sync.Mutex
	events    chan source.Event
	connected []string
	exited    []term.Pid
	monitored []term.Term
	evals     []string
	otp       bool     // app1 runs OTP's shell (RemoteShell)
	remote    []string // commands OTP's shell read
	noise     []string // more console lines of /dev/ttyUSB0
}

func newFake() *fakeSource { return &fakeSource{events: make(chan source.Event, 16)} }

const (
	local = term.Atom("tui@127.0.0.1")
	app1  = term.Atom("app1@127.0.0.1")
	board = term.Atom("board@serial.local")
)

func pid(n term.Atom, id uint32) term.Pid { return term.NewPid(n, id, 0, 1) }

func (f *fakeSource) LocalName() term.Atom { return local }

func (f *fakeSource) Cluster(context.Context) ([]source.NodeRow, error) {
	return []source.NodeRow{
		{Name: local, Kind: "avmsh", Transport: "-", State: source.StateLocal, Version: "avmsh", Procs: 5, Memory: 20 << 10, Uptime: 90 * time.Second},
		{Name: app1, Kind: "beam", Transport: "tcp", State: source.StateUp, Version: "OTP 25", Procs: 52, Memory: 15 << 20, Uptime: 3 * time.Hour, RTT: 800 * time.Microsecond},
		{Name: board, Kind: "atomvm", Transport: "serial", State: source.StateUp, Version: "AtomVM 0.6.5", Procs: 7, Memory: 120 << 10, Uptime: 10 * time.Minute, RTT: 31 * time.Millisecond},
		{Name: "old@127.0.0.1", Kind: "?", Transport: "tcp", State: source.StateSeen},
	}, nil
}

func (f *fakeSource) Overview(_ context.Context, n term.Atom) (source.Overview, error) {
	return source.Overview{Node: n, Kind: "beam", Version: "OTP 25", Memory: map[string]int64{"total": 15 << 20, "processes": 4 << 20, "binary": 200 << 10, "ets": 350 << 10},
		ProcCount: 52, ProcLimit: 262144, AtomCount: 9551, AtomLimit: 1048576, PortCount: 6, PortLimit: 65536, Schedulers: 2, Uptime: 3 * time.Hour, RTT: time.Millisecond}, nil
}

func (f *fakeSource) Processes(_ context.Context, n term.Atom) ([]source.Proc, error) {
	return []source.Proc{
		{Pid: pid(n, 0), Name: "init", Memory: 21000, Reductions: 4700, Current: "init:loop/1", Status: "waiting"},
		{Pid: pid(n, 50), Name: "code_server", Memory: 172000, Reductions: 93000, Current: "code_server:loop/1", Status: "waiting"},
		{Pid: pid(n, 61), Name: "net_kernel", Memory: 24600, Reductions: 8500, Current: "gen_server:loop/7", Status: "waiting"},
		{Pid: pid(n, 90), Memory: 5600, MsgQ: 1500, Reductions: 120000, Current: "busy:worker/2", Status: "running"},
	}, nil
}

func (f *fakeSource) Process(_ context.Context, p term.Pid) (source.ProcDetail, error) {
	return source.ProcDetail{Proc: source.Proc{Pid: p, Name: "code_server"}, Info: []term.Term{
		term.Tuple{term.Atom("registered_name"), term.Atom("code_server")},
		term.Tuple{term.Atom("status"), term.Atom("waiting")},
		term.Tuple{term.Atom("links"), term.List{pid(p.Node, 0)}},
	}}, nil
}

func (f *fakeSource) Connect(_ context.Context, n string) (term.Atom, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.connected = append(f.connected, n)
	if strings.HasPrefix(n, "bad") {
		return "", errors.New("connection refused")
	}
	return term.Atom(n), nil
}

func (f *fakeSource) Disconnect(term.Atom) error { return nil }

func (f *fakeSource) Exit(_ context.Context, p term.Pid, _ term.Term) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.exited = append(f.exited, p)
	return nil
}

func (f *fakeSource) Monitor(_ context.Context, t term.Term) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.monitored = append(f.monitored, t)
	return nil
}

func (f *fakeSource) Send(context.Context, term.Term, term.Term) error { return nil }

func (f *fakeSource) Events() <-chan source.Event { return f.events }

func (f *fakeSource) Devices(context.Context) ([]source.Device, error) {
	return []source.Device{
		{Path: "/dev/ttyUSB0", USB: "10c4:ea60", Board: "ESP32 (CP210x)", Product: "CP2102 USB to UART", Access: "ok", Node: board,
			Open: true, Console: append([]string{"I (312) boot: ESP-IDF v5.1", "AtomVM started", "hello from the board"}, f.noise...)},
		{Path: "/dev/ttyACM0", USB: "2e8a:000a", Board: "Raspberry Pi Pico", Product: "Pico", Access: "busy"},
	}, nil
}

func (f *fakeSource) Reset(context.Context, string) error { return nil }

func (f *fakeSource) Eval(_ context.Context, n term.Atom, src string) (string, int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.evals = append(f.evals, src)
	if strings.Contains(src, "1 + 1") {
		return "2\n", len(f.evals) + 1, nil
	}
	return "'" + string(n) + "'\n", len(f.evals) + 1, nil
}

// RemoteShell is OTP's shell on app1 when f.otp is set: a scripted
// shell that prompts for commands through the terminal, answers "ok",
// and asks for a line when a command calls io:get_line.
func (f *fakeSource) RemoteShell(_ context.Context, n term.Atom, t source.Terminal) (source.RemoteShell, error) {
	if !f.otp || n != app1 {
		return nil, source.ErrNoRemoteShell
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &fakeShell{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		for i := 1; ; i++ {
			cmd, err := t.ReadCommand(ctx, fmt.Sprintf("(%s)%d> ", n, i), "")
			if err != nil {
				return
			}
			f.mu.Lock()
			f.remote = append(f.remote, cmd)
			f.mu.Unlock()
			if strings.Contains(cmd, "io:get_line") {
				line, err := t.ReadLine(ctx, "name? ")
				if err != nil {
					return
				}
				fmt.Fprintf(t, "\"hello %s\"\n", strings.TrimSpace(line))
				continue
			}
			fmt.Fprintln(t, "ok")
		}
	}()
	return s, nil
}

type fakeShell struct {
	cancel func()
	done   chan struct{}
}

func (s *fakeShell) Interrupt() error      { return nil }
func (s *fakeShell) Done() <-chan struct{} { return s.done }
func (s *fakeShell) Reason() string        { return "stopped" }
func (s *fakeShell) Stop()                 { s.cancel() }

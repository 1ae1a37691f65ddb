package app_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/avmsh/avmsh/node/codeload"
	"github.com/avmsh/avmsh/node/shellsession"
	"github.com/avmsh/avmsh/tui/app"
	"github.com/avmsh/avmsh/tui/shellpane"
	"github.com/avmsh/avmsh/tui/source"
	"github.com/avmsh/avmsh/vm/term"
)

// fakeSource is a deterministic Source for model tests.
type fakeSource struct {
	mu        sync.Mutex
	events    chan source.Event
	closeOnce sync.Once
	connected []string
	exited    []term.Pid
	monitored []term.Term
	evals     []string
	otp       bool     // app1 runs OTP's shell (RemoteShell)
	remote    []string // commands OTP's shell read
	noise     []string // more console lines of /dev/ttyUSB0
	modPolls  int      // Modules calls
	procPolls int      // Processes calls
	loads     []string // "node: path path..." per Load
	loadedAt  map[string]string
	obs       *fakeObs // Observe, Trend, Fleet (fake_obs_test.go)
}

// closeEvents ends the event feed (once): the views' waits on it end.
func (f *fakeSource) closeEvents() { f.closeOnce.Do(func() { close(f.events) }) }

// testOptions are the dashboard's options in a test: refresh once an
// hour (tests poll with keys), a shell terminal of the test's, and, when
// the test ends, the refresh timer, the terminal and f's event feed
// closed, so that no command of the dashboard waits on (goleak).
func testOptions(tb testing.TB, f interface{ closeEvents() }) app.Options {
	done := make(chan struct{})
	t := shellpane.NewTerminal()
	tb.Cleanup(func() {
		close(done)
		t.Close()
		f.closeEvents()
	})
	return app.Options{Refresh: time.Hour, Theme: plainTheme(), Terminal: t, Done: done}
}

func newFake() *fakeSource {
	return &fakeSource{events: make(chan source.Event, 16), loadedAt: map[string]string{}}
}

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
	f.mu.Lock()
	f.procPolls++
	f.mu.Unlock()
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

// eval answers the commands of the shell sessions the fake's
// RemoteShell gives (avmsh's evaluator).
func (f *fakeSource) eval(n term.Atom, src string) (string, int, error) {
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
// and asks for a line when a command calls io:get_line. Elsewhere it is
// a shell session as Live gives (package shellsession: prompt, quit
// rule, meta-commands, Ctrl-G menu) whose commands f.eval answers.
func (f *fakeSource) RemoteShell(_ context.Context, n term.Atom, t source.Terminal) (source.RemoteShell, error) {
	if !f.otp || n != app1 {
		s := shellsession.StartEval(n, t, func(_ context.Context, src string) (string, int, error) { return f.eval(n, src) })
		s.Background(context.Background())
		return evalShell{s}, nil
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

// evalShell is a session as a source.RemoteShell (and ShellSession).
type evalShell struct{ *shellsession.Session }

func (s evalShell) Interrupt() error {
	if !s.Session.Interrupt() {
		return errors.New("no evaluation to interrupt")
	}
	return nil
}

func (s evalShell) Stop() { s.Close() }

type fakeShell struct {
	cancel func()
	done   chan struct{}
}

func (s *fakeShell) Interrupt() error      { return nil }
func (s *fakeShell) Done() <-chan struct{} { return s.done }
func (s *fakeShell) Reason() string        { return "stopped" }
func (s *fakeShell) Stop()                 { s.cancel() }

func (f *fakeSource) polls() (mods, procs int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.modPolls, f.procPolls
}

// Modules: app1 is a BEAM node (paths, preloaded modules), the board an
// AtomVM one (no paths); a module loaded shows the path it came from.
func (f *fakeSource) Modules(_ context.Context, n term.Atom) (source.ModuleList, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.modPolls++
	var mods []source.Module
	if n == board {
		for _, m := range []string{"avm_pubsub", "console", "erlang", "gen_server", "hello", "lists"} {
			mods = append(mods, source.Module{Name: m})
		}
	} else {
		lib := "/usr/lib/erlang/lib/"
		mods = []source.Module{
			{Name: "application", File: lib + "kernel-8.5/ebin/application.beam"},
			{Name: "code_server", File: lib + "kernel-8.5/ebin/code_server.beam"},
			{Name: "erlang", File: "preloaded"},
			{Name: "gen_server", File: lib + "stdlib-4.2/ebin/gen_server.beam"},
			{Name: "hello", File: "/home/dev/hello/_build/default/lib/hello/ebin/hello.beam"},
			{Name: "hello_sup", File: "/home/dev/hello/_build/default/lib/hello/ebin/hello_sup.beam"},
			{Name: "lists", File: lib + "stdlib-4.2/ebin/lists.beam"},
		}
	}
	for i, m := range mods {
		if p, ok := f.loadedAt[string(n)+" "+m.Name]; ok {
			mods[i].File = p
		}
	}
	return source.ModuleList{Modules: mods, Total: len(mods)}, nil
}

// Load answers as codeload does: an error for a file that is not a
// .beam (nothing loaded), else one result per module; the board (AtomVM)
// adds its notes; a module named bad* is refused.
func (f *fakeSource) Load(_ context.Context, n term.Atom, paths []string, o source.LoadOptions) ([]codeload.Result, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	purge := ""
	if o.Purge {
		purge = "--purge "
	}
	f.loads = append(f.loads, string(n)+": "+purge+strings.Join(paths, " "))
	var res []codeload.Result
	for _, p := range paths {
		if !strings.HasSuffix(p, ".beam") {
			return nil, &codeload.PrepareError{Problems: []string{p + ": not a .beam file (load takes compiled modules: erlc " + p + ")"}}
		}
		mod := strings.TrimSuffix(p[strings.LastIndex(p, "/")+1:], ".beam")
		r := codeload.Result{Node: n, Module: mod, Path: p, Status: codeload.Loaded, Bytes: 1234, Took: 3200 * time.Microsecond}
		if strings.HasPrefix(mod, "bad") {
			r.Status, r.Reason, r.Err = codeload.Refused, codeload.ReasonBadFile, fmt.Errorf("%s refused %s as a bad file ({error, badfile}): %s was compiled for OTP 27 or later and %s runs OTP 25: recompile it with OTP 25's erlc", n, mod, mod, n)
		} else {
			f.loadedAt[string(n)+" "+mod] = p
		}
		if n == board && len(res) == 0 {
			r.Notes = []string{"AtomVM keeps one version of each module and never purges: processes inside a replaced module go on with the code they are in until their next fully qualified call, then run the new code; nothing is killed",
				"this lives in the board's RAM: a reboot reverts to the modules of its flashed .avm"}
		}
		res = append(res, r)
	}
	return res, nil
}

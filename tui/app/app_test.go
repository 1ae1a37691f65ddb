package app_test

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest"
	"github.com/muesli/termenv"

	"github.com/avmsh/avmsh/tui/app"
	"github.com/avmsh/avmsh/tui/source"
	"github.com/avmsh/avmsh/tui/theme"
	"github.com/avmsh/avmsh/vm/term"
)

// Model tests: golden screens at 110×30, no colour (the golden files
// are plain text; `go test ./tui/app -update` rewrites them), driven by
// keys through teatest against a deterministic fake source.

func plainTheme() theme.Theme {
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.Ascii)
	return theme.New(r)
}

func start(t *testing.T, f *fakeSource) *teatest.TestModel {
	t.Helper()
	m := app.New(f, testOptions(t, f))
	return teatest.NewTestModel(t, m, teatest.WithInitialTermSize(110, 30))
}

func key(s string) tea.KeyMsg {
	switch s {
	case "enter":
		return tea.KeyMsg{Type: tea.KeyEnter}
	case "esc":
		return tea.KeyMsg{Type: tea.KeyEsc}
	case "tab":
		return tea.KeyMsg{Type: tea.KeyTab}
	case "down":
		return tea.KeyMsg{Type: tea.KeyDown}
	case "up":
		return tea.KeyMsg{Type: tea.KeyUp}
	case "ctrl+_":
		return tea.KeyMsg{Type: tea.KeyCtrlUnderscore}
	case "ctrl+u":
		return tea.KeyMsg{Type: tea.KeyCtrlU}
	}
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)}
}

func send(tm *teatest.TestModel, keys ...string) {
	for _, k := range keys {
		tm.Send(key(k))
	}
}

func waitFor(t *testing.T, tm *teatest.TestModel, want string) {
	t.Helper()
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte(want)) },
		teatest.WithDuration(5*time.Second), teatest.WithCheckInterval(20*time.Millisecond))
}

// finalView quits and returns the last screen.
func finalView(t *testing.T, tm *teatest.TestModel) (app.Model, string) {
	t.Helper()
	if err := tm.Quit(); err != nil {
		t.Fatal(err)
	}
	m := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(app.Model)
	return m, m.View()
}

func TestClusterView(t *testing.T) {
	tm := start(t, newFake())
	waitFor(t, tm, "board@serial.local")
	_, v := finalView(t, tm)
	golden.RequireEqual(t, []byte(v))
}

func TestClusterFilter(t *testing.T) {
	tm := start(t, newFake())
	waitFor(t, tm, "board@serial.local")
	send(tm, "/", "a", "t", "o", "m", "enter")
	waitFor(t, tm, "filter: atom")
	_, v := finalView(t, tm)
	if strings.Contains(v, "app1@") || !strings.Contains(v, "board@serial.local") {
		t.Fatalf("filter atom:\n%s", v)
	}
	golden.RequireEqual(t, []byte(v))
}

func TestNodeViewSortAndDetails(t *testing.T) {
	tm := start(t, newFake())
	waitFor(t, tm, "app1@127.0.0.1")
	send(tm, "down", "enter") // open app1
	waitFor(t, tm, "code_server")
	send(tm, "n")
	waitFor(t, tm, "NAME▲")
	send(tm, "Q")
	waitFor(t, tm, "MSGQ▼")
	send(tm, "m")
	waitFor(t, tm, "MEMORY▼")
	m, v := finalView(t, tm)
	if m.Current() != "Node" {
		t.Fatalf("view %s", m.Current())
	}
	// By memory: code_server first, the busy worker last.
	if i, j := strings.Index(v, "code_server"), strings.Index(v, "busy:worker"); i < 0 || j < i {
		t.Fatalf("not sorted by memory:\n%s", v)
	}
	golden.RequireEqual(t, []byte(v))

	tm = start(t, newFake())
	waitFor(t, tm, "app1@127.0.0.1")
	send(tm, "down", "enter")
	waitFor(t, tm, "code_server")
	send(tm, "enter") // details of the first row (code_server by memory)
	waitFor(t, tm, "registered_name")
	_, v = finalView(t, tm)
	if !strings.Contains(v, "process <0.50.0>") {
		t.Fatalf("details:\n%s", v)
	}
}

func TestNodeViewExitNeedsConfirmation(t *testing.T) {
	f := newFake()
	tm := start(t, f)
	waitFor(t, tm, "app1@127.0.0.1")
	send(tm, "down", "enter")
	waitFor(t, tm, "code_server")
	send(tm, "x")
	waitFor(t, tm, "kill)? y/n")
	send(tm, "n")
	waitFor(t, tm, "exit cancelled")
	send(tm, "x", "y")
	waitFor(t, tm, "sent exit(kill)")
	finalView(t, tm)
	if len(f.exited) != 1 || f.exited[0] != pid(app1, 50) {
		t.Fatalf("exit signals: %v", f.exited)
	}
}

func TestMonitorsView(t *testing.T) {
	f := newFake()
	at := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	f.events <- source.Event{At: at, Kind: source.EvNodeUp, Node: app1, Text: "nodeup over tcp"}
	f.events <- source.Event{At: at.Add(time.Second), Kind: source.EvDown, Node: app1, Text: "#Ref<x> <0.90.0>: killed"}
	f.events <- source.Event{At: at.Add(2 * time.Second), Kind: source.EvNodeDown, Node: board, Text: "nodedown: net_tick_timeout"}
	tm := start(t, f)
	send(tm, "3")
	waitFor(t, tm, "net_tick_timeout")
	send(tm, ":")
	tm.Type("monitor code_server@app1@127.0.0.1")
	send(tm, "enter")
	waitFor(t, tm, "monitoring")
	m, v := finalView(t, tm)
	if m.Current() != "Monitors" {
		t.Fatalf("view %s", m.Current())
	}
	if len(f.monitored) != 1 || !term.ExactEqual(f.monitored[0], term.Tuple{term.Atom("code_server"), term.Atom("app1@127.0.0.1")}) {
		t.Fatalf("monitors: %v", f.monitored)
	}
	golden.RequireEqual(t, []byte(v))
}

func TestDevicesView(t *testing.T) {
	f := newFake()
	tm := start(t, f)
	send(tm, "4")
	waitFor(t, tm, "/dev/ttyACM0")
	send(tm, "enter")
	waitFor(t, tm, "/dev/ttyUSB0 is")
	_, v := finalView(t, tm)
	if len(f.connected) != 1 || f.connected[0] != "serial:/dev/ttyUSB0" {
		t.Fatalf("connect: %v", f.connected)
	}
	golden.RequireEqual(t, []byte(v))
}

func TestShellPane(t *testing.T) {
	f := newFake()
	tm := start(t, f)
	waitFor(t, tm, "app1@127.0.0.1")
	send(tm, "down", "enter")
	waitFor(t, tm, "code_server")
	send(tm, "5")
	waitFor(t, tm, "(app1@127.0.0.1)1>")
	tm.Type("X = 1 +")
	send(tm, "enter")
	tm.Type(" 1.")
	send(tm, "enter")
	waitFor(t, tm, "(app1@127.0.0.1)2>")
	tm.Type("q") // typed into the shell, not quitting
	m, v := finalView(t, tm)
	if m.Current() != "Shell" || len(f.evals) != 1 || f.evals[0] != "X = 1 +\n 1.\n" {
		t.Fatalf("view %s, evals %q", m.Current(), f.evals)
	}
	golden.RequireEqual(t, []byte(v))
}

// TestShellPaneOTP: on a BEAM node the pane is the terminal of OTP's
// own shell there: its prompts, multi-line commands sent whole, its
// output, and io:get_line answered from the pane.
func TestShellPaneOTP(t *testing.T) {
	f := newFake()
	f.otp = true
	tm := start(t, f)
	waitFor(t, tm, "app1@127.0.0.1")
	send(tm, "down", "enter")
	waitFor(t, tm, "code_server")
	send(tm, "5")
	waitFor(t, tm, "(app1@127.0.0.1)1>")
	tm.Type("rd(p, {x,")
	send(tm, "enter")
	tm.Type(" y}).")
	send(tm, "enter")
	waitFor(t, tm, "(app1@127.0.0.1)2>")
	tm.Type(`io:get_line("name? ").`)
	send(tm, "enter")
	waitFor(t, tm, "name?")
	tm.Type("joe")
	send(tm, "enter")
	waitFor(t, tm, "(app1@127.0.0.1)3>")
	m, v := finalView(t, tm)
	f.mu.Lock()
	defer f.mu.Unlock()
	if m.Current() != "Shell" || len(f.evals) != 0 ||
		strings.Join(f.remote, "|") != "rd(p, {x,\n y}).\n|io:get_line(\"name? \").\n" {
		t.Fatalf("view %s, evals %q, OTP shell read %q", m.Current(), f.evals, f.remote)
	}
	if !strings.Contains(v, `"hello joe"`) || !strings.Contains(v, "name? joe") {
		t.Fatalf("screen lacks the io:get_line exchange:\n%s", v)
	}
	golden.RequireEqual(t, []byte(v))
}

func TestHelpAndPalette(t *testing.T) {
	f := newFake()
	tm := start(t, f)
	waitFor(t, tm, "board@serial.local")
	send(tm, "?")
	waitFor(t, tm, "command palette")
	send(tm, "esc", ":")
	tm.Type("connect bad@host")
	send(tm, "enter")
	waitFor(t, tm, "connection refused")
	send(tm, ":")
	tm.Type("nonsense")
	send(tm, "enter")
	waitFor(t, tm, "unknown command")
	send(tm, "tab", "tab")
	m, _ := finalView(t, tm)
	if m.Current() != "Monitors" {
		t.Fatalf("two tabs from Cluster: view %s", m.Current())
	}
	if len(f.connected) != 1 || f.connected[0] != "bad@host" {
		t.Fatalf("connect: %v", f.connected)
	}
	m2 := app.New(f, testOptions(t, f))
	mm, _ := m2.Update(tea.WindowSizeMsg{Width: 110, Height: 80})
	mm, _ = mm.Update(key("?"))
	golden.RequireEqual(t, []byte(mm.View()))
}

package shellpane_test

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/exp/teatest"
	"github.com/muesli/termenv"

	"github.com/avmsh/avmsh/epmd"
	"github.com/avmsh/avmsh/internal/erltest"
	"github.com/avmsh/avmsh/node/localnode"
	"github.com/avmsh/avmsh/node/shellsession"
	"github.com/avmsh/avmsh/tui/shellpane"
	"github.com/avmsh/avmsh/tui/source"
	"github.com/avmsh/avmsh/tui/theme"
	"github.com/avmsh/avmsh/vm/term"
)

func plainTheme() theme.Theme {
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.Ascii)
	return theme.New(r)
}

// harness shows the pane alone, as the dashboard's Shell view does.
type harness struct{ m shellpane.Model }

func (h harness) Init() tea.Cmd { return tea.Batch(h.m.Listen(), h.m.Activate()) }

func (h harness) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	var cmd tea.Cmd
	h.m, cmd = h.m.Update(msg)
	return h, cmd
}

func (h harness) View() string { return h.m.View(110, 40) }

func keys(tm *teatest.TestModel, ks ...tea.KeyType) {
	for _, k := range ks {
		tm.Send(tea.KeyMsg{Type: k})
	}
}

func waitFor(t *testing.T, tm *teatest.TestModel, want string) {
	t.Helper()
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte(want)) },
		teatest.WithDuration(20*time.Second), teatest.WithCheckInterval(20*time.Millisecond))
}

// startPane runs the pane on a Live source of a real avmsh node next to
// a real erl node, with its history in a file.
func startPane(t *testing.T, e *erltest.Node, target func(n term.Atom) term.Atom) (*teatest.TestModel, string) {
	t.Helper()
	ln, err := localnode.Start(context.Background(), localnode.Config{
		Name: erltest.RandomName("pane") + "@127.0.0.1", Cookie: e.Cookie, Listen: true, ListenAddr: "127.0.0.1:0",
		PortMapper: &epmd.PortMapper{Port: e.EpmdPort}, Version: "test",
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ln.Stop)
	n := ln.Node.Node
	l, err := source.NewLive(source.Config{Local: ln, EpmdPort: e.EpmdPort})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.Close)
	path := filepath.Join(t.TempDir(), "history")
	hist, err := shellsession.OpenHistory(path, 0)
	if err != nil {
		t.Fatal(err)
	}
	termnl := shellpane.NewTerminal()
	t.Cleanup(termnl.Close)
	termnl.SetHistory(hist)
	m := shellpane.New(l, plainTheme(), termnl)
	m.SetNode(target(n.Name()))
	tm := teatest.NewTestModel(t, harness{m}, teatest.WithInitialTermSize(110, 40))
	t.Cleanup(func() { _ = tm.Quit() })
	return tm, path
}

// TestPaneHasTheShellsFeatures: the pane gets what `avmsh shell` has,
// from the same session (issue 15): Tab completion from the node's
// modules, the shared history file, Ctrl-R, meta-commands, the Ctrl-G
// menu, and the quit rule (halt(). leaves the shell; the pane offers a
// new one).
func TestPaneHasTheShellsFeatures(t *testing.T) {
	e := erltest.Start(t, erltest.Options{})
	tm, path := startPane(t, e, func(n term.Atom) term.Atom { return n })
	waitFor(t, tm, ")1> ")
	tm.Type("li")
	keys(tm, tea.KeyTab)
	waitFor(t, tm, ")1> lists:")
	tm.Type("se")
	keys(tm, tea.KeyTab)
	waitFor(t, tm, "lists:seq(")
	tm.Type("1, 3).")
	keys(tm, tea.KeyEnter)
	waitFor(t, tm, "[1,2,3]")

	keys(tm, tea.KeyCtrlR)
	tm.Type("seq")
	waitFor(t, tm, "(reverse-i-search)`seq': lists:seq(1, 3).")
	keys(tm, tea.KeyEnter, tea.KeyEnter)
	waitFor(t, tm, ")3> ")

	tm.Type(":help")
	keys(tm, tea.KeyEnter)
	waitFor(t, tm, ":connect NODE")

	keys(tm, tea.KeyCtrlG)
	waitFor(t, tm, "User switch command")
	tm.Type("j")
	keys(tm, tea.KeyEnter)
	waitFor(t, tm, "1* avmsh's evaluator on ")
	tm.Type("c")
	keys(tm, tea.KeyEnter)
	waitFor(t, tm, ")3> ")

	// Ctrl-G q leaves at once; enter starts a new shell.
	keys(tm, tea.KeyCtrlG)
	tm.Type("q")
	keys(tm, tea.KeyEnter)
	waitFor(t, tm, "ended (left); enter starts a new one")
	keys(tm, tea.KeyEnter)
	waitFor(t, tm, ")1> ")

	tm.Type("halt().")
	keys(tm, tea.KeyEnter)
	waitFor(t, tm, "ended (left)") // (waitFor reads on from the last match)

	raw, err := os.ReadFile(path)
	if err != nil || !strings.Contains(string(raw), "lists:seq(1, 3).\n") {
		t.Fatalf("history file: %v %q", err, raw)
	}
}

// TestPaneOnBEAM: on an erl node the pane runs OTP's shell; Tab offers
// the variables it bound, and erlang:halt(). leaves the shell without
// stopping the node (the pane's shell used to send it on).
func TestPaneOnBEAM(t *testing.T) {
	e := erltest.Start(t, erltest.Options{})
	tm, _ := startPane(t, e, func(term.Atom) term.Atom { return term.Atom(e.Name) })
	waitFor(t, tm, "("+e.Name+")1> ")
	tm.Type("Alpha = 7.")
	keys(tm, tea.KeyEnter)
	waitFor(t, tm, "("+e.Name+")2> ")
	tm.Type("Al")
	keys(tm, tea.KeyTab)
	waitFor(t, tm, "("+e.Name+")2> Alpha")
	tm.Type(" * 6.")
	keys(tm, tea.KeyEnter)
	waitFor(t, tm, "42")
	tm.Type("erlang:halt().")
	keys(tm, tea.KeyEnter)
	waitFor(t, tm, "ended (left)")
	if got := e.Eval(t, "1 + 1"); got != "2" {
		t.Fatalf("the node did not survive: %s", got)
	}
}

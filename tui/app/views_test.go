package app_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	keys "github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest"

	"github.com/avmsh/avmsh/tui/app"
	"github.com/avmsh/avmsh/tui/source"
	"github.com/avmsh/avmsh/tui/view"
)

// TestDevicesFilter (defect 20): '/' filters the devices view, as every
// view, and the status line's "filter: X" is what the list shows.
func TestDevicesFilter(t *testing.T) {
	tm := start(t, newFake())
	send(tm, "4")
	waitFor(t, tm, "/dev/ttyACM0")
	send(tm, "/", "A", "C", "M", "enter")
	waitFor(t, tm, "filter: ACM")
	_, v := finalView(t, tm)
	if strings.Contains(v, "/dev/ttyUSB0") || !strings.Contains(v, "/dev/ttyACM0") {
		t.Fatalf("devices filtered by ACM:\n%s", v)
	}
	golden.RequireEqual(t, []byte(v))
}

// TestFilterInEveryView: the filter key reaches every view through the
// one routing path and each view keeps only what matches; in the shell,
// where '/' types, ctrl+/ filters its scrollback.
func TestFilterInEveryView(t *testing.T) {
	type step struct {
		keys []string
		wait string
	}
	for _, c := range []struct {
		name       string
		setup      []step
		filter     []string
		has, lacks string
	}{
		{"Cluster", nil, []string{"/", "a", "p", "p", "enter"}, "app1@127.0.0.1", "board@serial.local"},
		{"Node", []step{{[]string{"down", "enter"}, "code_server"}}, []string{"/", "c", "o", "d", "e", "enter"}, "(1 shown)", "net_kernel"},
		{"Monitors", []step{{[]string{"3"}, "net_tick_timeout"}}, []string{"/", "t", "i", "c", "k", "enter"}, "net_tick_timeout", "nodeup over tcp"},
		{"Devices", []step{{[]string{"4"}, "/dev/ttyACM0"}}, []string{"/", "U", "S", "B", "enter"}, "/dev/ttyUSB0", "/dev/ttyACM0"},
		{"Shell", []step{{[]string{"5"}, "(tui@127.0.0.1)1>"}, {[]string{"a", "b", ".", "enter"}, "(tui@127.0.0.1)2>"},
			{[]string{"c", "d", ".", "enter"}, "(tui@127.0.0.1)3>"}}, []string{"ctrl+_", "c", "d", "enter"}, "cd.", "ab."},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newFake()
			f.events <- eventAt(0, "nodeup", "nodeup over tcp")
			f.events <- eventAt(1, "nodedown", "nodedown: net_tick_timeout")
			tm := start(t, f)
			waitFor(t, tm, "board@serial.local")
			for _, s := range c.setup {
				send(tm, s.keys...)
				waitFor(t, tm, s.wait)
			}
			send(tm, c.filter...)
			waitFor(t, tm, "filter: ")
			m, v := finalView(t, tm)
			if m.Current() != c.name || !strings.Contains(v, c.has) || strings.Contains(v, c.lacks) {
				t.Fatalf("%s filtered: want %q, not %q:\n%s", m.Current(), c.has, c.lacks, v)
			}
		})
	}
}

func eventAt(sec int, kind, text string) source.Event {
	at := time.Date(2026, 11, 24, 10, 0, sec, 0, time.UTC)
	return source.Event{At: at, Kind: source.EventKind(kind), Node: app1, Text: text}
}

// TestConsoleShownVisibly (defect 26): escape sequences and other
// control characters a board prints reach the screen as ^[ and \xNN.
func TestConsoleShownVisibly(t *testing.T) {
	f := newFake()
	f.noise = []string{"\x1b[2J\x1b]0;pwned\x07 \x9b31m \xc2\x9b end"}
	tm := start(t, f)
	send(tm, "4")
	waitFor(t, tm, "pwned")
	_, v := finalView(t, tm)
	if !strings.Contains(v, `^[[2J^[]0;pwned^G \x9b31m \x9b end`) {
		t.Fatalf("console line:\n%s", v)
	}
	if strings.IndexByte(v, 0x1b) >= 0 || strings.IndexByte(v, 0x07) >= 0 || strings.IndexByte(v, 0x9b) >= 0 {
		t.Fatalf("a control character reached the screen: %q", v)
	}
}

// spy is a view added by a test: it records what the app gives it.
type spy struct {
	filter  string
	keys    []string
	polls   int
	ran     []string
	w, h    int
	focused bool
}

type spyData struct{ n int }

func (s *spy) Title() string { return "Spy" }
func (s *spy) Init() tea.Cmd { return nil }
func (s *spy) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.KeyMsg:
		s.keys = append(s.keys, msg.String())
	case spyData:
		s.polls = msg.n
	}
	return nil
}
func (s *spy) View() string {
	return "spy view: filter=" + s.filter + " keys=" + strings.Join(s.keys, ",") + " ran=" + strings.Join(s.ran, ",") + fmt.Sprintf(" polls=%d", s.polls)
}
func (s *spy) SetSize(w, h int)   { s.w, s.h = w, h }
func (s *spy) SetFilter(f string) { s.filter = f }
func (s *spy) Status() string     { return "" }
func (s *spy) Bindings() []keys.Binding {
	return []keys.Binding{keys.NewBinding(keys.WithKeys("z"), keys.WithHelp("z", "zap the spy"))}
}
func (s *spy) Poll() tea.Cmd {
	n := s.polls + 1
	return func() tea.Msg { return spyData{n} }
}
func (s *spy) Commands() []view.Command {
	return []view.Command{{Name: "zap", Args: "X", Help: "zap X", Run: func(args string) tea.Cmd {
		s.ran = append(s.ran, args)
		return view.Status("zapped " + args)
	}}}
}
func (s *spy) Focus() tea.Cmd { s.focused = true; return nil }
func (s *spy) Blur()          { s.focused = false }

// TestAddedView: a view added by implementing view.View and registering
// it gets a tab, its keys, the global filter, its palette command, its
// polls and a place in the help, with no change to the app.
func TestAddedView(t *testing.T) {
	f := newFake()
	s := &spy{}
	o := testOptions(t, f)
	o.Views = append(app.DefaultViews(f, plainTheme(), o.Terminal), s)
	m := app.New(f, o)
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(110, 30))
	waitFor(t, tm, "6 Spy")
	send(tm, "6")
	waitFor(t, tm, "spy view")
	send(tm, "z", "/", "a", "b", "enter")
	waitFor(t, tm, "filter: ab")
	send(tm, ":")
	tm.Type("zap it")
	send(tm, "enter")
	waitFor(t, tm, "zapped it")
	send(tm, "?")
	waitFor(t, tm, "zap the spy")
	send(tm, "esc", ":")
	tm.Type("refresh")
	send(tm, "enter")
	waitFor(t, tm, "polls=2")
	fm, v := finalView(t, tm)
	if fm.Current() != "Spy" || s.filter != "ab" || strings.Join(s.keys, ",") != "z" || len(s.ran) != 1 || s.polls < 2 || !s.focused || s.w != 110 || s.h != 27 {
		t.Fatalf("spy %+v after %s:\n%s", s, fm.Current(), v)
	}
}

// TestPaletteFromAnyView: the commands views add to the palette work
// from any view, and a view's name shows it.
func TestPaletteFromAnyView(t *testing.T) {
	f := newFake()
	tm := start(t, f)
	waitFor(t, tm, "board@serial.local")
	send(tm, "4") // the devices view
	waitFor(t, tm, "/dev/ttyACM0")
	send(tm, ":")
	tm.Type("exit <0.61.0> normal") // the node view's command
	send(tm, "enter")
	waitFor(t, tm, "exit signal sent")
	send(tm, ":")
	tm.Type("monitors")
	send(tm, "enter")
	waitFor(t, tm, "no events yet")
	send(tm, ":")
	tm.Type("node app1@127.0.0.1")
	send(tm, "enter")
	waitFor(t, tm, "code_server")
	m, _ := finalView(t, tm)
	f.mu.Lock()
	defer f.mu.Unlock()
	if m.Current() != "Node" || len(f.exited) != 1 || f.exited[0].Node != local || f.exited[0].ID != 61 {
		t.Fatalf("view %s, exits %v", m.Current(), f.exited)
	}
}

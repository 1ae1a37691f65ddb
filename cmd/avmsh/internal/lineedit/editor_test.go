package lineedit

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/avmsh/avmsh/node/shellsession"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// harness drives an interactive Editor through a pipe and a vt.
type harness struct {
	t   *testing.T
	ed  *Editor
	in  *io.PipeWriter
	vt  *vt
	res chan result
}

type result struct {
	s   string
	err error
}

func newHarness(t *testing.T, width int, cfg Config) *harness {
	t.Helper()
	pr, pw := io.Pipe()
	v := newVT(width)
	cfg.In, cfg.Out, cfg.Interactive = pr, v, true
	cfg.Width = func() int { return width }
	ed, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, ed: ed, in: pw, vt: v, res: make(chan result, 1)}
	t.Cleanup(func() {
		_ = pw.Close()
		_ = ed.Close()
	})
	return h
}

// command starts ReadCommand on a goroutine.
func (h *harness) command(prompt string) {
	go func() {
		s, err := h.ed.ReadCommand(context.Background(), prompt, "")
		h.res <- result{s, err}
	}()
}

// line starts ReadLine on a goroutine.
func (h *harness) line(ctx context.Context, prompt string) {
	go func() {
		s, err := h.ed.ReadLine(ctx, prompt)
		h.res <- result{s, err}
	}()
}

// cancelledRead shows the prompt "? ", types typed into it and cancels
// the read, which must end with context.Canceled.
func (h *harness) cancelledRead(typed string) {
	h.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	h.line(ctx, "? ")
	h.keys(typed)
	h.waitFor("? " + typed)
	cancel()
	if r := h.result(); !errors.Is(r.err, context.Canceled) {
		h.t.Fatalf("cancelled read: %v", r.err)
	}
}

func (h *harness) keys(s string) {
	h.t.Helper()
	if _, err := io.WriteString(h.in, s); err != nil {
		h.t.Fatal(err)
	}
}

func (h *harness) result() result {
	h.t.Helper()
	select {
	case r := <-h.res:
		return r
	case <-time.After(10 * time.Second):
		h.t.Fatalf("the read did not end; screen:\n%s", h.vt.screen())
		return result{}
	}
}

// waitScreen polls until the screen satisfies cond.
func (h *harness) waitScreen(what string, cond func(string) bool) string {
	h.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		s := h.vt.screen()
		if cond(s) {
			return s
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("screen never showed %s:\n%s", what, s)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (h *harness) waitFor(sub string) string {
	h.t.Helper()
	return h.waitScreen(sub, func(s string) bool { return strings.Contains(s, sub) })
}

const (
	up    = "\x1b[A"
	down  = "\x1b[B"
	left  = "\x1b[D"
	right = "\x1b[C"
	home  = "\x1b[H"
	end   = "\x1b[F"
	del   = "\x1b[3~"
)

func TestMultiRowCommandIsOneEntry(t *testing.T) {
	h := newHarness(t, 60, Config{})
	h.command("(n@h)1> ")
	h.keys("X = [1,\r")
	h.waitFor("      >")
	h.keys("2].\r")
	r := h.result()
	if r.err != nil || r.s != "X = [1,\n2].\n" {
		t.Fatalf("got %q, %v", r.s, r.err)
	}
	if got := h.vt.screen(); got != "(n@h)1> X = [1,\n      > 2]." {
		t.Fatalf("screen:\n%s", got)
	}
	if hist := h.ed.History(); len(hist) != 1 || hist[0] != "X = [1,\n2]." {
		t.Fatalf("history %q", hist)
	}
	// Up brings the whole command back; Up inside it moves between rows.
	h.command("(n@h)2> ")
	h.keys(up)
	h.waitFor("(n@h)2> X = [1,\n      > 2].")
	h.keys(up + end + " 0,\r")
	r = h.result()
	if r.s != "X = [1, 0,\n2].\n" {
		t.Fatalf("edited recall: %q", r.s)
	}
}

func TestBlankLineAndMetaCommand(t *testing.T) {
	h := newHarness(t, 60, Config{})
	h.command("1> ")
	h.keys("\r  \r:nodes\r")
	if r := h.result(); r.s != ":nodes\n" {
		t.Fatalf("got %q", r.s)
	}
	if got := h.vt.screen(); got != "1>\n1>\n1> :nodes" {
		t.Fatalf("screen:\n%q", got)
	}
}

func TestEditingKeys(t *testing.T) {
	cases := []struct{ keys, want string }{
		{"abc" + left + left + "X\r", "aXbc"},
		{"abc" + home + "X" + end + "Y\r", "XabcY"},
		{"abc\x01\x06Z\r", "aZbc"}, // Ctrl-A, Ctrl-F
		{"abc\x7f\x7f\r", "a"},
		{"abc" + home + del + "\r", "bc"},
		{"abc" + left + "\x04\r", "ab"},                 // Ctrl-D deletes under the cursor
		{"foo bar baz\x17\r", "foo bar "},               // Ctrl-W
		{"foo bar" + left + left + "\x0b\r", "foo b"},   // Ctrl-K
		{"foo bar" + left + left + "\x15\r", "ar"},      // Ctrl-U
		{"foo bar\x17" + home + "\x19\r", "barfoo "},    // Ctrl-Y yanks
		{"foo bar\x1bb\x1bbX\r", "Xfoo bar"},            // Alt-b
		{"foo bar" + home + "\x1bfX\r", "fooX bar"},     // Alt-f
		{"foo bar" + home + "\x1bd\r", " bar"},          // Alt-d
		{"ab\x14\r", "ba"},                              // Ctrl-T
		{"héllo wörld" + left + "\x7f\r", "héllo wörd"}, // UTF-8
		{"a\x1b[1;5Db\r", "ba"},                         // Ctrl-Left
		{"a\x1bOHb\r", "ba"},                            // SS3 Home
		{"a\x1b[99~b\r", "ab"},                          // unknown sequence ignored
	}
	for _, c := range cases {
		h := newHarness(t, 80, Config{})
		h.line(context.Background(), "> ")
		h.keys(c.keys)
		if r := h.result(); r.err != nil || r.s != c.want+"\n" {
			t.Errorf("keys %q: got %q, %v; want %q", c.keys, r.s, r.err, c.want)
		}
	}
}

func TestWrapAndCursor(t *testing.T) {
	h := newHarness(t, 20, Config{})
	h.line(context.Background(), "12345> ")
	h.keys(strings.Repeat("x", 30))
	h.waitFor("12345> xxxxxxxxxxxxx\nxxxxxxxxxxxxxxxxx")
	if r, c := h.vt.cursor(); r != 1 || c != 17 {
		t.Fatalf("cursor at %d,%d", r, c)
	}
	// Exactly a full row: the cursor goes to the next row.
	h.keys("xxx")
	h.waitScreen("a full second row", func(s string) bool { return strings.HasSuffix(s, "\n"+strings.Repeat("x", 20)) })
	if r, c := h.vt.cursor(); r != 2 || c != 0 {
		t.Fatalf("cursor after a full row at %d,%d", r, c)
	}
	h.keys(home + "AB")
	h.waitFor("12345> ABxxxxxxxxxxx\nxxxxxxxxxxxxxxxxxxxx\nxx")
	if r, c := h.vt.cursor(); r != 0 || c != 9 {
		t.Fatalf("cursor after Home AB at %d,%d", r, c)
	}
	// Wide characters wrap as a whole.
	h.keys(end + "\x15" + strings.Repeat("界", 8))
	h.waitFor("12345> 界界界界界界\n界界")
	h.keys("\r")
	if r := h.result(); r.s != strings.Repeat("界", 8)+"\n" {
		t.Fatalf("got %q", r.s)
	}
}

func TestAsyncOutputAbovePrompt(t *testing.T) {
	h := newHarness(t, 40, Config{})
	h.command("1> ")
	h.keys("lists:seq(1,\r3")
	h.waitFor(" > 3")
	w := h.ed.Writer()
	_, _ = io.WriteString(w, "tick\n")
	_, _ = io.WriteString(w, "no newline")
	h.waitFor("tick\nno newline\n1> lists:seq(1,\n > 3")
	h.keys(").\r")
	if r := h.result(); r.s != "lists:seq(1,\n3).\n" {
		t.Fatalf("got %q", r.s)
	}
	if raw := h.vt.raw.String(); strings.Contains(raw, "\x1b[J") {
		t.Fatalf("the editor cleared to the end of the screen (tmux pushes the screen to its scrollback): %q", raw)
	}
	// With no read on screen, output goes straight through.
	_, _ = io.WriteString(w, "[1,2,3]\n")
	if got := h.vt.screen(); !strings.HasSuffix(got, " > 3).\n[1,2,3]") {
		t.Fatalf("screen:\n%s", got)
	}
}

func TestInterruptAndEOF(t *testing.T) {
	h := newHarness(t, 40, Config{})
	h.command("1> ")
	h.keys("half typed\x03")
	h.waitFor("1> half typed^C\n1>")
	h.keys("ok.\r")
	if r := h.result(); r.s != "ok.\n" {
		t.Fatalf("after Ctrl-C: %q", r.s)
	}
	h.line(context.Background(), "Name? ")
	h.keys("jo\x03")
	if r := h.result(); !errors.Is(r.err, ErrInterrupt) {
		t.Fatalf("ReadLine Ctrl-C: %q %v", r.s, r.err)
	}
	h.command("2> ")
	h.keys("\x04")
	if r := h.result(); !errors.Is(r.err, io.EOF) {
		t.Fatalf("Ctrl-D: %q %v", r.s, r.err)
	}
}

func TestContextAndTypeAhead(t *testing.T) {
	h := newHarness(t, 40, Config{})
	h.cancelledRead("abc")
	// Keys typed while no read is on screen wait for the next one.
	h.keys("1 + 1.\r")
	time.Sleep(20 * time.Millisecond)
	h.command("1> ")
	if r := h.result(); r.s != "1 + 1.\n" {
		t.Fatalf("type-ahead: %q", r.s)
	}
}

func TestCloseEndsRead(t *testing.T) {
	h := newHarness(t, 40, Config{})
	h.command("1> ")
	h.waitFor("1>")
	_ = h.ed.Close()
	if r := h.result(); !errors.Is(r.err, io.EOF) {
		t.Fatalf("read after Close: %v", r.err)
	}
	_ = h.in.Close() // the pipe reader goroutine ends with the pipe
}

// openHistory opens the shell's shared history file.
func openHistory(t *testing.T, path string) *shellsession.History {
	t.Helper()
	h, err := shellsession.OpenHistory(path, 0)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestHistorySearchAndFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "history")
	h := newHarness(t, 60, Config{History: openHistory(t, path)})
	for _, c := range []string{"foo(1).\r", "bar(\"x\\\\y\").\r", "X = #{a =>\r1}.\r", "foo(2).\r"} {
		h.command("> ")
		h.keys(c)
		h.result()
	}
	// Ctrl-R finds the newest match, again finds an older one.
	h.command("> ")
	h.keys("\x12foo")
	h.waitFor("(reverse-i-search)`foo': foo(2).")
	h.keys("\x12")
	h.waitFor("(reverse-i-search)`foo': foo(1).")
	h.keys("\x12")
	h.waitFor("(failed reverse-i-search)`foo': foo(1).")
	h.keys("\r")
	if r := h.result(); r.s != "foo(1).\n" {
		t.Fatalf("search result %q", r.s)
	}
	// Esc cancels the search, keeping what was typed.
	h.command("> ")
	h.keys("abc\x12=>\x1b")
	time.Sleep(2 * escDelay)
	h.keys("d.\r")
	if r := h.result(); r.s != "abcd.\n" {
		t.Fatalf("cancelled search %q", r.s)
	}
	// Up/Down walk history and come back to the draft.
	h.command("> ")
	h.keys("dr" + up + up + down + down + "aft.\r")
	if r := h.result(); r.s != "draft.\n" {
		t.Fatalf("draft %q", r.s)
	}
	_ = h.ed.Close()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := "foo(1).\nbar(\"x\\\\\\\\y\").\nX = #{a =>\\n1}.\nfoo(2).\nfoo(1).\nabcd.\ndraft.\n"
	if string(raw) != want {
		t.Fatalf("history file:\n%q\nwant\n%q", raw, want)
	}
	// A new editor reads it back, multi-row entries included.
	h2 := newHarness(t, 60, Config{History: openHistory(t, path)})
	if got := h2.ed.History(); len(got) != 7 || got[1] != `bar("x\\y").` || got[2] != "X = #{a =>\n1}." {
		t.Fatalf("reloaded %q", got)
	}
}

func TestCompletion(t *testing.T) {
	complete := func(before string, _ int) (string, []Candidate) {
		i := strings.LastIndexAny(before, " (") + 1
		w := before[i:]
		if strings.TrimSpace(w) == "" {
			return "", nil
		}
		return w, []Candidate{
			{Text: "lists:seq(", Display: "seq/2"}, {Text: "lists:seq(", Display: "seq/3"},
			{Text: "lists:sort(", Display: "sort/1"}, {Text: "lists:sum(", Display: "sum/1"},
			{Text: "lists:reverse(", Display: "reverse/1"}, {Text: "io:format(", Display: "format/2"},
		}
	}
	h := newHarness(t, 60, Config{Complete: complete})
	h.command("1> ")
	h.keys("lists:r\t")
	h.waitFor("1> lists:reverse(")
	h.keys("\x15lists:s\t")
	h.waitFor("1> lists:s\nseq/2   seq/3   sort/1  sum/1\n1> lists:s")
	h.keys("e\t")
	h.waitFor("1> lists:seq(")
	h.keys("1, 2).\r")
	if r := h.result(); r.s != "lists:seq(1, 2).\n" {
		t.Fatalf("got %q", r.s)
	}
	// An empty word: Tab is inserted (pasted indentation).
	h.command("2> ")
	h.keys("\tok.\r")
	if r := h.result(); r.s != "\tok.\n" {
		t.Fatalf("tab %q", r.s)
	}
}

func TestPlainInput(t *testing.T) {
	var out strings.Builder
	ed, err := New(Config{In: strings.NewReader("X = 1 +\n2.\n:nodes\nio.\nlast"), Out: &out})
	if err != nil {
		t.Fatal(err)
	}
	defer ed.Close()
	ctx := context.Background()
	var got []string
	for {
		s, err := ed.ReadCommand(ctx, "1> ", "")
		if err != nil {
			if !errors.Is(err, io.EOF) {
				t.Fatal(err)
			}
			break
		}
		got = append(got, s)
	}
	want := []string{"X = 1 +\n2.\n", ":nodes\n", "io.\n", "last"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("commands %q", got)
	}
	if out.String() != "1>  > 1> 1> 1>  > 1> " || strings.Contains(out.String(), "\x1b") {
		t.Fatalf("plain output %q", out.String())
	}
}

// TestQueuedCtrlG: a Ctrl-G that came as a signal while no read was on
// screen reaches the next read as a key, after the keys read before it
// and before those read after it.
func TestQueuedCtrlG(t *testing.T) {
	h := newHarness(t, 40, Config{})
	h.cancelledRead("x") // starts the input reader
	h.keys("foo")
	waitRead(t, h.ed, 4)
	h.ed.QueueCtrlG()
	h.keys("bar")
	waitRead(t, h.ed, 7)
	h.command("1> ")
	if r := h.result(); !errors.Is(r.err, ErrJobControl) {
		t.Fatalf("the read after a queued Ctrl-G: %q, %v (want ErrJobControl)", r.s, r.err)
	}
	// The command typed before Ctrl-G comes back, then the keys after it.
	h.command("2> ")
	h.waitFor("2> foobar")
	h.keys(".\r")
	if r := h.result(); r.s != "foobar.\n" || r.err != nil {
		t.Fatalf("after the menu: %q, %v", r.s, r.err)
	}

	// Queued with nothing typed: the next read opens the menu at once.
	h.ed.QueueCtrlG()
	h.command("3> ")
	if r := h.result(); !errors.Is(r.err, ErrJobControl) {
		t.Fatalf("a queued Ctrl-G alone: %q, %v", r.s, r.err)
	}
}

// waitRead polls until the editor's input reader has read n bytes.
func waitRead(t *testing.T, ed *Editor, n int64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ed.mu.Lock()
		in := ed.in
		ed.mu.Unlock()
		if in != nil && in.read.Load() >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the input reader never read %d bytes", n)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// TestPlaceCtrlG: the queued key lands at its byte position, whether
// the bytes before it are still pending, taken in the same chunk or not
// taken yet.
func TestPlaceCtrlG(t *testing.T) {
	for _, c := range []struct {
		pending string
		taken   int64
		at      int64
		want    string
	}{
		{"", 0, 0, "\x07"},
		{"abc", 3, 3, "abc\x07"},
		{"abc", 3, 1, "a\x07bc"},
		{"c", 3, 1, "\x07c"}, // "ab" already decoded into keys
		{"abc", 3, 5, "abc"}, // not read yet: it waits
	} {
		e := &Editor{pending: []byte(c.pending), taken: c.taken}
		e.ctrlGAt.Store(c.at)
		e.placeCtrlG()
		if string(e.pending) != c.want {
			t.Errorf("pending %q, taken %d, at %d: %q, want %q", c.pending, c.taken, c.at, e.pending, c.want)
		}
	}
}

package lineinput

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
)

func runes(s string) tea.KeyMsg { return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)} }

func typed(m Model, keys ...tea.KeyMsg) Model {
	for _, k := range keys {
		m, _ = m.Update(k)
	}
	return m
}

func focused(prompt string) Model {
	m := New()
	m.Prompt = prompt
	m.Focus()
	return m
}

func TestEditing(t *testing.T) {
	for _, c := range []struct {
		name  string
		keys  []tea.KeyMsg
		value string
		pos   int
	}{
		{"typing", []tea.KeyMsg{runes("ab"), runes("c")}, "abc", 3},
		{"insert in the middle", []tea.KeyMsg{runes("ac"), {Type: tea.KeyLeft}, runes("b")}, "abc", 2},
		{"backspace", []tea.KeyMsg{runes("abc"), {Type: tea.KeyBackspace}}, "ab", 2},
		{"backspace at start", []tea.KeyMsg{runes("ab"), {Type: tea.KeyHome}, {Type: tea.KeyBackspace}}, "ab", 0},
		{"delete", []tea.KeyMsg{runes("abc"), {Type: tea.KeyCtrlA}, {Type: tea.KeyDelete}}, "bc", 0},
		{"ctrl+w", []tea.KeyMsg{runes("foo bar  ")}, "foo bar  ", 9},
		{"ctrl+w deletes a word", []tea.KeyMsg{runes("foo bar  "), {Type: tea.KeyCtrlW}}, "foo ", 4},
		{"alt+d deletes the next word", []tea.KeyMsg{runes("foo bar baz"), {Type: tea.KeyHome}, {Type: tea.KeyRunes, Runes: []rune("d"), Alt: true}}, " bar baz", 0},
		{"alt+d on the last rune", []tea.KeyMsg{runes("ab"), {Type: tea.KeyLeft}, {Type: tea.KeyRunes, Runes: []rune("d"), Alt: true}}, "a", 1},
		{"word motions", []tea.KeyMsg{runes("one two three"), {Type: tea.KeyCtrlLeft}, {Type: tea.KeyLeft, Alt: true}, runes("X"), {Type: tea.KeyCtrlRight}}, "one Xtwo three", 8},
		{"ctrl+k", []tea.KeyMsg{runes("abcd"), {Type: tea.KeyLeft}, {Type: tea.KeyLeft}, {Type: tea.KeyCtrlK}}, "ab", 2},
		{"ctrl+u", []tea.KeyMsg{runes("abcd"), {Type: tea.KeyLeft}, {Type: tea.KeyCtrlU}}, "d", 0},
		{"ignored keys", []tea.KeyMsg{runes("ab"), {Type: tea.KeyTab}, {Type: tea.KeyUp}, {Type: tea.KeyDown}, {Type: tea.KeyCtrlV}, {Type: tea.KeyCtrlP}}, "ab", 2},
		{"bracketed paste: tabs and newlines as spaces, controls dropped", []tea.KeyMsg{{Type: tea.KeyRunes, Runes: []rune("a\tb\nc\x07d"), Paste: true}}, "a b cd", 6},
		{"space", []tea.KeyMsg{runes("a"), {Type: tea.KeySpace, Runes: []rune(" ")}, runes("b")}, "a b", 3},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := typed(focused(""), c.keys...)
			if m.Value() != c.value || m.Position() != c.pos {
				t.Fatalf("value %q at %d, want %q at %d", m.Value(), m.Position(), c.value, c.pos)
			}
		})
	}
}

func TestUnfocusedIgnoresKeys(t *testing.T) {
	m := New()
	m = typed(m, runes("abc"))
	if m.Value() != "" {
		t.Fatalf("an unfocused input took %q", m.Value())
	}
	m.Focus()
	m.Blur()
	if m.Focused() {
		t.Fatal("Blur left the input focused")
	}
}

func TestSetValue(t *testing.T) {
	m := focused("")
	m.SetValue("x\ty\nz")
	if m.Value() != "x y z" || m.Position() != 5 {
		t.Fatalf("SetValue gave %q at %d", m.Value(), m.Position())
	}
	m.SetCursor(1)
	m.SetValue("abcdef")
	if m.Position() != 1 {
		t.Fatalf("SetValue moved the cursor to %d", m.Position())
	}
	m.SetCursor(99)
	if m.Position() != 6 {
		t.Fatalf("SetCursor(99) gave %d", m.Position())
	}
}

// TestScrollsWithCursor: a text wider than Width shows the part around
// the cursor.
func TestScrollsWithCursor(t *testing.T) {
	m := focused("p: ")
	m.Width = 5
	m.SetValue("0123456789")
	m.Cursor.Blink = true // the cursor shown as the text under it
	if v := m.View(); v != "p: 56789 " {
		t.Fatalf("view at the end %q", v)
	}
	m.CursorStart()
	if v := m.View(); v != "p: 012345" {
		t.Fatalf("view at the start %q", v)
	}
}

var testKeys = []tea.KeyMsg{
	runes("a"), runes("bc"), runes("é"), runes("世"), runes("x y"),
	{Type: tea.KeySpace, Runes: []rune(" ")},
	{Type: tea.KeyRunes, Runes: []rune("p\tq\nr\x01"), Paste: true},
	{Type: tea.KeyLeft}, {Type: tea.KeyRight}, {Type: tea.KeyCtrlB}, {Type: tea.KeyCtrlF},
	{Type: tea.KeyLeft, Alt: true}, {Type: tea.KeyRight, Alt: true}, {Type: tea.KeyCtrlLeft}, {Type: tea.KeyCtrlRight},
	{Type: tea.KeyRunes, Runes: []rune("b"), Alt: true}, {Type: tea.KeyRunes, Runes: []rune("f"), Alt: true},
	{Type: tea.KeyBackspace}, {Type: tea.KeyBackspace, Alt: true}, {Type: tea.KeyCtrlH}, {Type: tea.KeyCtrlW},
	{Type: tea.KeyDelete}, {Type: tea.KeyDelete, Alt: true}, {Type: tea.KeyCtrlD},
	{Type: tea.KeyRunes, Runes: []rune("d"), Alt: true},
	{Type: tea.KeyCtrlK}, {Type: tea.KeyCtrlU}, {Type: tea.KeyHome}, {Type: tea.KeyEnd}, {Type: tea.KeyCtrlA}, {Type: tea.KeyCtrlE},
	{Type: tea.KeyTab}, {Type: tea.KeyUp}, {Type: tea.KeyDown}, {Type: tea.KeyCtrlN}, {Type: tea.KeyCtrlP}, {Type: tea.KeyCtrlV},
	{Type: tea.KeyEsc}, {Type: tea.KeyEnter},
}

// textinputStep applies k to ti, reporting false if textinput panics
// (its alt+delete on the last rune indexes past the text).
func textinputStep(ti textinput.Model, k tea.KeyMsg) (out textinput.Model, cmd tea.Cmd, ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	out, cmd = ti.Update(k)
	return out, cmd, true
}

// TestSameAsTextinput drives this input and bubbles' textinput (the
// dashboard's input before) with the same random keys, widths and
// cursor modes, and checks that the text, the cursor and the rendered
// line stay the same after every key.
func TestSameAsTextinput(t *testing.T) {
	// A colour profile, so that the cursor's reverse video is rendered.
	old := lipgloss.ColorProfile()
	lipgloss.SetColorProfile(termenv.ANSI)
	defer lipgloss.SetColorProfile(old)
	for seed := range uint64(300) {
		r := rand.New(rand.NewPCG(seed, 16))
		width := []int{0, 0, 4, 7, 12}[r.IntN(5)]
		prompt := []string{"", "path: ", "(n@h)> "}[r.IntN(3)]
		ti := textinput.New()
		ti.Prompt, ti.Width = prompt, width
		ti.Focus()
		li := New()
		li.Prompt, li.Width = prompt, width
		li.Focus()
		start := string([]rune("hello wide 世界 world")[:r.IntN(19)])
		ti.SetValue(start)
		li.SetValue(start)
		trail := fmt.Sprintf("seed %d width %d start %q:", seed, width, start)
		for range 60 {
			k := testKeys[r.IntN(len(testKeys))]
			k.Runes = append([]rune(nil), k.Runes...)
			k2 := k
			k2.Runes = append([]rune(nil), k.Runes...)
			next, tcmd, ok := textinputStep(ti, k)
			if !ok {
				continue // textinput's panic: not a behaviour to compare
			}
			ti = next
			var lcmd tea.Cmd
			li, lcmd = li.Update(k2)
			trail += " " + k.String()
			if ti.Value() != li.Value() || ti.Position() != li.Position() {
				t.Fatalf("%s\ntextinput %q at %d, lineinput %q at %d", trail, ti.Value(), ti.Position(), li.Value(), li.Position())
			}
			if k.Type != tea.KeyCtrlV && (tcmd == nil) != (lcmd == nil) { // textinput's Ctrl+V reads the clipboard
				t.Fatalf("%s\ntextinput command %v, lineinput %v", trail, tcmd != nil, lcmd != nil)
			}
			for _, blink := range []bool{false, true} {
				ti.Cursor.Blink, li.Cursor.Blink = blink, blink
				if !blink && !strings.Contains(li.View(), "\x1b[7m") {
					t.Fatalf("%s\nno cursor in %q", trail, li.View())
				}
				if tv, lv := ti.View(), li.View(); tv != lv {
					t.Fatalf("%s\ntextinput view %q\nlineinput view %q", trail, tv, lv)
				}
			}
		}
	}
}

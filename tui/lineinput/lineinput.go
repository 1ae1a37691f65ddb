package lineinput

import (
	"strings"
	"unicode"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/runeutil"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/mattn/go-runewidth"
	"github.com/rivo/uniseg"
)

// KeyMap is the input's editing keys.
type KeyMap struct {
	CharacterForward        key.Binding
	CharacterBackward       key.Binding
	WordForward             key.Binding
	WordBackward            key.Binding
	DeleteWordBackward      key.Binding
	DeleteWordForward       key.Binding
	DeleteAfterCursor       key.Binding
	DeleteBeforeCursor      key.Binding
	DeleteCharacterBackward key.Binding
	DeleteCharacterForward  key.Binding
	LineStart               key.Binding
	LineEnd                 key.Binding
	// Ignored are keys that edit nothing and insert nothing (textinput's
	// suggestion keys and Ctrl+V).
	Ignored key.Binding
}

// DefaultKeyMap returns the keys of bubbles' textinput.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		CharacterForward:        key.NewBinding(key.WithKeys("right", "ctrl+f")),
		CharacterBackward:       key.NewBinding(key.WithKeys("left", "ctrl+b")),
		WordForward:             key.NewBinding(key.WithKeys("alt+right", "ctrl+right", "alt+f")),
		WordBackward:            key.NewBinding(key.WithKeys("alt+left", "ctrl+left", "alt+b")),
		DeleteWordBackward:      key.NewBinding(key.WithKeys("alt+backspace", "ctrl+w")),
		DeleteWordForward:       key.NewBinding(key.WithKeys("alt+delete", "alt+d")),
		DeleteAfterCursor:       key.NewBinding(key.WithKeys("ctrl+k")),
		DeleteBeforeCursor:      key.NewBinding(key.WithKeys("ctrl+u")),
		DeleteCharacterBackward: key.NewBinding(key.WithKeys("backspace", "ctrl+h")),
		DeleteCharacterForward:  key.NewBinding(key.WithKeys("delete", "ctrl+d")),
		LineStart:               key.NewBinding(key.WithKeys("home", "ctrl+a")),
		LineEnd:                 key.NewBinding(key.WithKeys("end", "ctrl+e")),
		Ignored:                 key.NewBinding(key.WithKeys("tab", "up", "down", "ctrl+n", "ctrl+p", "ctrl+v")),
	}
}

// Model is the input. The zero value is not usable: make it with New.
type Model struct {
	// Prompt is shown before the text.
	Prompt string
	// Width, when > 0, is how many columns of text are shown: a longer
	// text scrolls sideways, keeping the cursor in view.
	Width int
	// Cursor is the cursor (bubbles/cursor: its style and blink mode).
	Cursor cursor.Model
	// KeyMap is the editing keys.
	KeyMap KeyMap

	value []rune
	focus bool
	pos   int
	// offset and offsetRight delimit the runes shown when the text
	// overflows Width.
	offset, offsetRight int
	san                 runeutil.Sanitizer
}

// New returns an empty, unfocused input with the prompt "> ".
func New() Model {
	return Model{
		Prompt: "> ",
		Cursor: cursor.New(),
		KeyMap: DefaultKeyMap(),
		san:    runeutil.NewSanitizer(runeutil.ReplaceTabs(" "), runeutil.ReplaceNewlines(" ")),
	}
}

// Value is the text.
func (m Model) Value() string { return string(m.value) }

// Position is the cursor's position, in runes.
func (m Model) Position() int { return m.pos }

// SetValue replaces the text (control characters dropped, tabs and
// newlines as spaces); the cursor stays where it was if it still fits,
// and goes to the end if the input was empty and the cursor at 0.
func (m *Model) SetValue(s string) {
	m.setValue(m.san.Sanitize([]rune(s)))
}

func (m *Model) setValue(runes []rune) {
	empty := len(m.value) == 0
	m.value = runes
	if (m.pos == 0 && empty) || m.pos > len(m.value) {
		m.SetCursor(len(m.value))
	}
	m.handleOverflow()
}

// SetCursor moves the cursor to pos, clamped to the text.
func (m *Model) SetCursor(pos int) {
	m.pos = min(max(pos, 0), len(m.value))
	m.handleOverflow()
}

// CursorStart moves the cursor to the start.
func (m *Model) CursorStart() { m.SetCursor(0) }

// CursorEnd moves the cursor to the end.
func (m *Model) CursorEnd() { m.SetCursor(len(m.value)) }

// Focused reports whether the input takes keys.
func (m Model) Focused() bool { return m.focus }

// Focus makes the input take keys and show its cursor; the command
// starts the cursor's blinking.
func (m *Model) Focus() tea.Cmd {
	m.focus = true
	return m.Cursor.Focus()
}

// Blur makes the input ignore keys and hides its cursor.
func (m *Model) Blur() {
	m.focus = false
	m.Cursor.Blur()
}

// Update edits the text on a key (nothing while not focused) and passes
// every message to the cursor (its blinking).
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	if !m.focus {
		return m, nil
	}
	oldPos := m.pos
	if k, ok := msg.(tea.KeyMsg); ok {
		m.key(k)
	}
	var cmds []tea.Cmd
	var cmd tea.Cmd
	m.Cursor, cmd = m.Cursor.Update(msg)
	cmds = append(cmds, cmd)
	if oldPos != m.pos && m.Cursor.Mode() == cursor.CursorBlink {
		m.Cursor.Blink = false
		cmds = append(cmds, m.Cursor.BlinkCmd())
	}
	m.handleOverflow()
	return m, tea.Batch(cmds...)
}

// key applies one key.
func (m *Model) key(k tea.KeyMsg) {
	km := m.KeyMap
	switch {
	case key.Matches(k, km.Ignored):
	case key.Matches(k, km.DeleteWordBackward):
		m.deleteWordBackward()
	case key.Matches(k, km.DeleteCharacterBackward):
		if len(m.value) > 0 {
			m.value = append(m.value[:max(0, m.pos-1)], m.value[m.pos:]...)
			if m.pos > 0 {
				m.SetCursor(m.pos - 1)
			}
		}
	case key.Matches(k, km.WordBackward):
		m.wordBackward()
	case key.Matches(k, km.CharacterBackward):
		if m.pos > 0 {
			m.SetCursor(m.pos - 1)
		}
	case key.Matches(k, km.WordForward):
		m.wordForward()
	case key.Matches(k, km.CharacterForward):
		if m.pos < len(m.value) {
			m.SetCursor(m.pos + 1)
		}
	case key.Matches(k, km.LineStart):
		m.CursorStart()
	case key.Matches(k, km.DeleteCharacterForward):
		if m.pos < len(m.value) {
			m.value = append(m.value[:m.pos], m.value[m.pos+1:]...)
		}
	case key.Matches(k, km.LineEnd):
		m.CursorEnd()
	case key.Matches(k, km.DeleteAfterCursor):
		m.value = m.value[:m.pos]
		m.CursorEnd()
	case key.Matches(k, km.DeleteBeforeCursor):
		m.value = m.value[m.pos:]
		m.offset = 0
		m.SetCursor(0)
	case key.Matches(k, km.DeleteWordForward):
		m.deleteWordForward()
	default:
		m.insert(k.Runes)
	}
}

// insert puts typed or pasted runes at the cursor.
func (m *Model) insert(v []rune) {
	ins := m.san.Sanitize(v)
	value := make([]rune, 0, len(m.value)+len(ins))
	value = append(value, m.value[:m.pos]...)
	value = append(value, ins...)
	value = append(value, m.value[m.pos:]...)
	m.pos += len(ins)
	m.setValue(value)
}

// The word motions below step the cursor one rune at a time, as
// bubbles' textinput does (MIT licence): each step can scroll the
// shown part of an overflowing text, so stepping keeps the view what
// textinput showed.

// deleteWordBackward deletes the word before the cursor and the spaces
// between it and the cursor.
func (m *Model) deleteWordBackward() {
	if m.pos == 0 || len(m.value) == 0 {
		return
	}
	oldPos := m.pos
	m.SetCursor(m.pos - 1)
	for unicode.IsSpace(m.value[m.pos]) && m.pos > 0 {
		m.SetCursor(m.pos - 1)
	}
	for m.pos > 0 {
		if unicode.IsSpace(m.value[m.pos]) {
			m.SetCursor(m.pos + 1) // keep the space before the word
			break
		}
		m.SetCursor(m.pos - 1)
	}
	m.value = append(m.value[:m.pos], m.value[oldPos:]...)
}

// deleteWordForward deletes the spaces after the cursor and the word
// after them.
func (m *Model) deleteWordForward() {
	if m.pos >= len(m.value) {
		return
	}
	oldPos := m.pos
	m.SetCursor(m.pos + 1)
	for m.pos < len(m.value) && unicode.IsSpace(m.value[m.pos]) {
		m.SetCursor(m.pos + 1)
	}
	for m.pos < len(m.value) && !unicode.IsSpace(m.value[m.pos]) {
		m.SetCursor(m.pos + 1)
	}
	m.value = append(m.value[:oldPos], m.value[m.pos:]...)
	m.SetCursor(oldPos)
}

// wordBackward moves the cursor to the start of the word before it.
func (m *Model) wordBackward() {
	i := m.pos - 1
	for i >= 0 && unicode.IsSpace(m.value[i]) {
		m.SetCursor(m.pos - 1)
		i--
	}
	for i >= 0 && !unicode.IsSpace(m.value[i]) {
		m.SetCursor(m.pos - 1)
		i--
	}
}

// wordForward moves the cursor past the end of the word after it.
func (m *Model) wordForward() {
	i := m.pos
	for i < len(m.value) && unicode.IsSpace(m.value[i]) {
		m.SetCursor(m.pos + 1)
		i++
	}
	for i < len(m.value) && !unicode.IsSpace(m.value[i]) {
		m.SetCursor(m.pos + 1)
		i++
	}
}

// handleOverflow keeps the cursor inside the shown runes when the text
// is wider than Width.
func (m *Model) handleOverflow() {
	if m.Width <= 0 || uniseg.StringWidth(string(m.value)) <= m.Width {
		m.offset = 0
		m.offsetRight = len(m.value)
		return
	}
	m.offsetRight = min(m.offsetRight, len(m.value))
	if m.pos < m.offset {
		m.offset = m.pos
		w, i := 0, 0
		runes := m.value[m.offset:]
		for i < len(runes) && w <= m.Width {
			w += runewidth.RuneWidth(runes[i])
			if w <= m.Width+1 {
				i++
			}
		}
		m.offsetRight = m.offset + i
	} else if m.pos >= m.offsetRight {
		m.offsetRight = m.pos
		w := 0
		runes := m.value[:m.offsetRight]
		i := len(runes) - 1
		for i > 0 && w < m.Width {
			w += runewidth.RuneWidth(runes[i])
			if w <= m.Width {
				i--
			}
		}
		m.offset = m.offsetRight - (len(runes) - 1 - i)
	}
}

// View renders the prompt, the shown text and the cursor (padded to
// Width when it is set).
func (m Model) View() string {
	value := m.value[m.offset:m.offsetRight]
	pos := max(0, m.pos-m.offset)
	var b strings.Builder
	b.WriteString(strings.ReplaceAll(m.Prompt, "\t", "    "))
	b.WriteString(string(value[:pos]))
	if pos < len(value) {
		m.Cursor.SetChar(string(value[pos]))
		b.WriteString(m.Cursor.View())
		b.WriteString(string(value[pos+1:]))
	} else {
		m.Cursor.SetChar(" ")
		b.WriteString(m.Cursor.View())
	}
	valWidth := uniseg.StringWidth(string(value))
	if m.Width > 0 && valWidth <= m.Width {
		padding := m.Width - valWidth
		if pos < len(value) {
			padding++
		}
		b.WriteString(strings.Repeat(" ", padding))
	}
	return b.String()
}

package app

import (
	"regexp"
	"sync"

	tea "github.com/charmbracelet/bubbletea"
)

// DropTerminalReplies returns a tea.WithFilter filter that drops a
// terminal's late answer to theme.Detect's question, which bubbletea
// reads as keys: ESC ] (alt+]), the colour ("11;rgb:0000/0000/0000")
// and its end, ESC \ (alt+\) or BEL (ctrl+g) — the end only right after
// the colour, so that those keys keep working otherwise. The cursor
// position report is an unknown sequence no view uses.
func DropTerminalReplies() func(tea.Model, tea.Msg) tea.Msg {
	afterColour := false
	return func(_ tea.Model, msg tea.Msg) tea.Msg {
		k, ok := msg.(tea.KeyMsg)
		if !ok {
			return msg
		}
		was := afterColour
		afterColour = false
		switch {
		case k.Alt && k.Type == tea.KeyRunes && string(k.Runes) == "]":
			return nil
		case !k.Alt && k.Type == tea.KeyRunes && oscColour().MatchString(string(k.Runes)):
			afterColour = true
			return nil
		case was && (k.Type == tea.KeyCtrlG || (k.Alt && k.Type == tea.KeyRunes && string(k.Runes) == `\`)):
			return nil
		}
		return msg
	}
}

// oscColour is the body of an OSC 10/11 colour answer (compiled on first
// use: package initialisation is paid by every avmsh command).
var oscColour = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^1[01];rgb:[0-9a-fA-F]{1,4}/[0-9a-fA-F]{1,4}/[0-9a-fA-F]{1,4}$`)
})

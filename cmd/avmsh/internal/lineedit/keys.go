package lineedit

import "unicode/utf8"

// Key is one decoded keystroke: a character (printable runes and the
// control characters 0x00–0x1f, 0x7f are themselves) or one of the
// special keys below (negative values), possibly with Alt (Meta) held.
type Key struct {
	Code rune
	Alt  bool
}

// Special keys.
const (
	KeyUnknown rune = -1 - iota // an escape sequence we do not handle
	KeyUp
	KeyDown
	KeyRight
	KeyLeft
	KeyHome
	KeyEnd
	KeyDelete
	KeyPageUp
	KeyPageDown
	KeyWordLeft  // Ctrl-Left
	KeyWordRight // Ctrl-Right
	KeyEsc       // Escape alone
)

// Control characters the editor acts on.
const (
	ctrlA     = 0x01
	ctrlB     = 0x02
	ctrlC     = 0x03
	ctrlD     = 0x04
	ctrlE     = 0x05
	ctrlF     = 0x06
	ctrlG     = 0x07
	ctrlH     = 0x08
	tab       = 0x09
	ctrlJ     = 0x0a
	ctrlK     = 0x0b
	ctrlL     = 0x0c
	ctrlM     = 0x0d
	ctrlN     = 0x0e
	ctrlP     = 0x10
	ctrlR     = 0x12
	ctrlS     = 0x13
	ctrlT     = 0x14
	ctrlU     = 0x15
	ctrlW     = 0x17
	esc       = 0x1b
	backspace = 0x7f
)

// maxSeq bounds an escape sequence; longer ones are dropped as unknown
// (a terminal never sends them; garbage on the input must not grow the
// pending buffer).
const maxSeq = 32

// decodeKey decodes the first key in b. It returns the key and the
// number of bytes it used, or n == 0 when b holds only the beginning of
// a key (wait for more input, or call forceKey after a short delay).
func decodeKey(b []byte) (Key, int) {
	if len(b) == 0 {
		return Key{}, 0
	}
	c := b[0]
	switch {
	case c == esc:
		return decodeEsc(b)
	case c < utf8.RuneSelf:
		return Key{Code: rune(c)}, 1
	}
	if !utf8.FullRune(b) {
		return Key{}, 0
	}
	r, n := utf8.DecodeRune(b)
	return Key{Code: r}, n
}

// decodeEsc decodes a sequence that starts with ESC: CSI (ESC [), SS3
// (ESC O), or Alt+key (ESC key).
func decodeEsc(b []byte) (Key, int) {
	if len(b) < 2 {
		return Key{}, 0
	}
	switch b[1] {
	case '[':
		return decodeCSI(b)
	case 'O':
		if len(b) < 3 {
			return Key{}, 0
		}
		return Key{Code: ss3Key(b[2])}, 3
	case esc:
		return Key{Code: KeyEsc}, 1
	}
	k, n := decodeKey(b[1:])
	if n == 0 {
		return Key{}, 0
	}
	k.Alt = true
	return k, n + 1
}

func ss3Key(c byte) rune {
	switch c {
	case 'A':
		return KeyUp
	case 'B':
		return KeyDown
	case 'C':
		return KeyRight
	case 'D':
		return KeyLeft
	case 'H':
		return KeyHome
	case 'F':
		return KeyEnd
	}
	return KeyUnknown
}

// decodeCSI decodes ESC [ params final.
func decodeCSI(b []byte) (Key, int) {
	i := 2
	for i < len(b) && i < maxSeq {
		c := b[i]
		switch {
		case c >= 0x30 && c <= 0x3f, c >= 0x20 && c <= 0x2f: // parameters, intermediates
			i++
			continue
		case c >= 0x40 && c <= 0x7e:
			return Key{Code: csiKey(string(b[2:i]), c)}, i + 1
		}
		// Not a CSI byte: the sequence is broken; drop what we have.
		return Key{Code: KeyUnknown}, i
	}
	if i >= maxSeq {
		return Key{Code: KeyUnknown}, i
	}
	return Key{}, 0
}

func csiKey(params string, final byte) rune {
	mod := ""
	if len(params) > 2 && params[:2] == "1;" {
		mod, params = params[2:], ""
	}
	ctrl := mod == "5" || mod == "3" // Ctrl or Alt + arrow: move by word
	switch final {
	case 'A':
		return KeyUp
	case 'B':
		return KeyDown
	case 'C':
		if ctrl {
			return KeyWordRight
		}
		return KeyRight
	case 'D':
		if ctrl {
			return KeyWordLeft
		}
		return KeyLeft
	case 'H':
		return KeyHome
	case 'F':
		return KeyEnd
	case '~':
		switch params {
		case "1", "7":
			return KeyHome
		case "4", "8":
			return KeyEnd
		case "3":
			return KeyDelete
		case "5":
			return KeyPageUp
		case "6":
			return KeyPageDown
		}
	}
	return KeyUnknown
}

// forceKey decodes the first key of an incomplete input that will not
// grow (the input paused or ended): a lone ESC is the Escape key, a
// truncated sequence or UTF-8 character is dropped byte by byte.
func forceKey(b []byte) (Key, int) {
	if k, n := decodeKey(b); n > 0 {
		return k, n
	}
	if b[0] == esc {
		return Key{Code: KeyEsc}, 1
	}
	return Key{Code: utf8.RuneError}, 1
}

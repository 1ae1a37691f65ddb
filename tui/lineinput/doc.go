// Package lineinput is the dashboard's one-line text input: the line of
// the shell pane, the ':' palette, the '/' filter and the path prompts.
//
// It edits and renders as bubbles' textinput does (the same keys, the
// same blinking cursor from bubbles/cursor, the same sideways scrolling
// when a width is set, control characters dropped and tabs and newlines
// turned into spaces), without what the dashboard does not use
// (suggestions, password echo, validation, a character limit, a
// placeholder) and without Ctrl+V reading the system clipboard: that
// made textinput link github.com/atotto/clipboard, whose package init
// looks for xclip, xsel, wl-copy... on PATH in every avmsh process, the
// one-shot commands included (issue 16). A paste arrives from the
// terminal instead (bracketed paste: a KeyMsg with Paste set), which is
// inserted like typed text; this also works over SSH, where a local
// clipboard tool would not.
//
// Keys: Left/Ctrl+B and Right/Ctrl+F move by a character,
// Alt+Left/Ctrl+Left/Alt+B and Alt+Right/Ctrl+Right/Alt+F by a word,
// Home/Ctrl+A and End/Ctrl+E to the ends; Backspace/Ctrl+H and
// Delete/Ctrl+D delete a character, Alt+Backspace/Ctrl+W and
// Alt+Delete/Alt+D a word, Ctrl+U everything before the cursor and
// Ctrl+K everything after it. Any other key inserts its runes.
package lineinput

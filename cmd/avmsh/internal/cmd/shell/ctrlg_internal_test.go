package shellcmd

import (
	"context"
	"errors"
	"io"
	"testing"

	"github.com/avmsh/avmsh/cmd/avmsh/internal/lineedit"
)

// TestCtrlGSignalWithoutEvaluation: the terminal's Ctrl-G signal that
// comes while no evaluation runs (between one's end and the next
// prompt) goes to the line editor, whose next read returns
// ErrJobControl (the prompt's menu), instead of opening an evaluation's
// menu that would read beside the prompt.
func TestCtrlGSignalWithoutEvaluation(t *testing.T) {
	pr, pw := io.Pipe()
	ed, err := lineedit.New(lineedit.Config{In: pr, Out: io.Discard, Interactive: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pw.Close(); _ = ed.Close() })
	r := &repl{ed: ed}
	ended := false
	r.ctrlG(context.Background(), func() { ended = true })
	if ended {
		t.Fatal("Ctrl-G without an evaluation ended the session")
	}
	if _, err := ed.ReadCommand(context.Background(), "1> ", ""); !errors.Is(err, lineedit.ErrJobControl) {
		t.Fatalf("the next read: %v, want lineedit.ErrJobControl", err)
	}
}

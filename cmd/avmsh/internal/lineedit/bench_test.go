package lineedit

import (
	"context"
	"io"
	"strings"
	"testing"
)

// signalWriter signals every write (one redraw per key).
type signalWriter struct{ ch chan struct{} }

func (w signalWriter) Write(b []byte) (int, error) {
	w.ch <- struct{}{}
	return len(b), nil
}

// BenchmarkKeystrokeEcho is keystroke-to-echo in the line editor: a key
// written to the input until the redrawn command (three rows, 200
// characters, 80 columns) has been written out.
func BenchmarkKeystrokeEcho(b *testing.B) {
	pr, pw := io.Pipe()
	out := signalWriter{ch: make(chan struct{}, 512)}
	ed, err := New(Config{In: pr, Out: out, Interactive: true, Width: func() int { return 80 }})
	if err != nil {
		b.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		_, _ = ed.ReadCommand(context.Background(), "(node@host)1> ", "")
		close(done)
	}()
	typed := "lists:map(fun(X) -> X * 2 end,\r" + strings.Repeat("a", 170)
	_, _ = io.WriteString(pw, typed)
	for range len(typed) + 1 { // the prompt, then one redraw per key
		<-out.ch
	}
	b.ResetTimer()
	for range b.N {
		_, _ = io.WriteString(pw, "x\x7f")
		<-out.ch
		<-out.ch
	}
	b.StopTimer()
	_ = pw.Close()
	for {
		select {
		case <-out.ch:
			continue
		case <-done:
		}
		break
	}
	_ = ed.Close()
}

// BenchmarkLayout is the cost of laying out that command once.
func BenchmarkLayout(b *testing.B) {
	buf := []rune("lists:map(fun(X) -> X * 2 end,\n" + strings.Repeat("a", 170))
	for range b.N {
		_ = layout(80, "(node@host)1> ", "            > ", buf, 100)
	}
}

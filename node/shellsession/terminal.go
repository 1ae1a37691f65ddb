package shellsession

import (
	"context"
	"errors"
	"io"
	"regexp"
	"sync"
)

// terminal wraps the front-end's Terminal: it notices failed commands
// in the output (the exit code of scripts run through OTP's shell),
// knows when a prompt is waiting (Interrupt must not kill OTP's idle
// shell), and runs the Ctrl-G menu.
type terminal struct {
	t Terminal
	s *Session

	mu      sync.Mutex
	prompt  int    // command reads in progress
	tail    []byte // the start of the current output line, across writes
	counted bool   // the current line was counted as a failure
	fails   int    // failed commands seen in the output
	leave   bool   // the next command read ends the input (a quit followed)
}

// leaveNext makes the next ReadCommand end the input.
func (t *terminal) leaveNext() {
	t.mu.Lock()
	t.leave = true
	t.mu.Unlock()
}

var failLine = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^(\(\S+\)\d+> )?(\*\* exception |\* \d+:\d+: |\* \d+: )`)
})

// Write passes output on, watching for what the erl shell prints for a
// failed command ("** exception ...", "* 1:5: syntax error ...").
func (t *terminal) Write(b []byte) (int, error) {
	t.mu.Lock()
	for _, c := range b {
		if c == '\n' {
			t.tail, t.counted = t.tail[:0], false
			continue
		}
		if len(t.tail) < 256 {
			t.tail = append(t.tail, c)
			if !t.counted && failLine().Match(t.tail) {
				t.fails++
				t.counted = true
			}
		}
	}
	t.mu.Unlock()
	return t.t.Write(b)
}

func (t *terminal) failSeen() bool { return t.failures() > 0 }

func (t *terminal) failures() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.fails
}

func (t *terminal) prompting() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.prompt > 0
}

// ReadLine reads a line for io:get_line; ErrInterrupted interrupts the
// evaluation that asked.
func (t *terminal) ReadLine(ctx context.Context, prompt string) (string, error) {
	line, err := t.t.ReadLine(ctx, prompt)
	if errors.Is(err, ErrInterrupted) {
		t.s.Interrupt()
	}
	return line, err
}

// ReadCommand reads a command at the prompt; Ctrl-G runs the menu, whose
// q leaves (io.EOF).
func (t *terminal) ReadCommand(ctx context.Context, prompt, more string) (string, error) {
	t.mu.Lock()
	if t.leave {
		t.mu.Unlock()
		return "", io.EOF
	}
	t.prompt++
	t.mu.Unlock()
	defer func() {
		t.mu.Lock()
		t.prompt--
		t.mu.Unlock()
	}()
	for {
		cmd, err := t.t.ReadCommand(ctx, prompt, more)
		if !errors.Is(err, ErrJobControl) {
			return cmd, err
		}
		if !t.s.jobControl(ctx) {
			return "", io.EOF
		}
	}
}

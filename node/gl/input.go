package gl

import (
	"bufio"
	"context"
	"io"
	"sync"
)

// ReaderInput reads lines from an io.Reader (stdin) and writes prompts
// to an io.Writer. Reads happen on a goroutine of their own so that a
// cancelled request does not lose the line being read: it is kept for
// the next request.
type ReaderInput struct {
	out   io.Writer
	r     *bufio.Reader
	mu    sync.Mutex
	lines chan lineResult
	once  sync.Once
}

type lineResult struct {
	line string
	err  error
}

// NewReaderInput returns an Input over r; prompts go to out (which may
// be nil).
func NewReaderInput(r io.Reader, out io.Writer) *ReaderInput {
	return &ReaderInput{out: out, r: bufio.NewReader(r), lines: make(chan lineResult, 1)}
}

func (in *ReaderInput) start() {
	go func() {
		for {
			line, err := in.r.ReadString('\n')
			in.lines <- lineResult{line, err}
			if err != nil {
				return
			}
		}
	}()
}

// ReadLine implements Input.
func (in *ReaderInput) ReadLine(ctx context.Context, prompt string) (string, error) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if prompt != "" && in.out != nil {
		_, _ = io.WriteString(in.out, prompt)
	}
	in.once.Do(in.start)
	select {
	case r, ok := <-in.lines:
		if !ok {
			return "", io.EOF
		}
		if r.err != nil {
			close(in.lines)
			if r.line == "" {
				return "", r.err
			}
			return r.line, nil
		}
		return r.line, nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

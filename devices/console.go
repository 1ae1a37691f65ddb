package devices

import (
	"io"
	"strings"
	"sync"
	"time"
)

// ConsoleOptions configure a ConsoleWriter.
type ConsoleOptions struct {
	// Timestamps prefixes every line with the time its first byte
	// arrived.
	Timestamps bool
	// TimeFormat is the layout of the stamp (default
	// "2006-01-02 15:04:05.000").
	TimeFormat string
	// CRLF turns a "\n" that is not preceded by "\r" into "\r\n" on Out
	// (a terminal in raw mode does not do it).
	CRLF bool
	// Log, if set, receives the same text (with stamps, without CRLF
	// translation).
	Log io.Writer
	// Now replaces time.Now (tests).
	Now func() time.Time
}

// ConsoleWriter writes a board's console text to a terminal and a log,
// stamping lines. It is safe for concurrent use; notices written with
// Notice start on a line of their own.
type ConsoleWriter struct {
	out  io.Writer
	opts ConsoleOptions

	mu        sync.Mutex
	lineStart bool
	lastCR    bool
	buf       []byte
	logBuf    []byte
}

// NewConsoleWriter returns a ConsoleWriter to out.
func NewConsoleWriter(out io.Writer, opts ConsoleOptions) *ConsoleWriter {
	if opts.TimeFormat == "" {
		opts.TimeFormat = "2006-01-02 15:04:05.000"
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &ConsoleWriter{out: out, opts: opts, lineStart: true}
}

// Write implements io.Writer for console bytes.
func (w *ConsoleWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf, w.logBuf = w.buf[:0], w.logBuf[:0]
	var stamp []byte
	for _, c := range p {
		if w.lineStart && w.opts.Timestamps {
			if stamp == nil {
				stamp = append(w.opts.Now().AppendFormat(nil, w.opts.TimeFormat), ' ')
			}
			w.buf = append(w.buf, stamp...)
			w.logBuf = append(w.logBuf, stamp...)
		}
		w.lineStart = false
		if c == '\n' {
			if w.opts.CRLF && !w.lastCR {
				w.buf = append(w.buf, '\r')
			}
			w.lineStart = true
		}
		w.lastCR = c == '\r'
		w.buf = append(w.buf, c)
		w.logBuf = append(w.logBuf, c)
	}
	if _, err := w.out.Write(w.buf); err != nil {
		return 0, err
	}
	if w.opts.Log != nil {
		if _, err := w.opts.Log.Write(w.logBuf); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// SetTimestamps turns line stamps on or off (from the next line on).
func (w *ConsoleWriter) SetTimestamps(on bool) {
	w.mu.Lock()
	w.opts.Timestamps = on
	w.mu.Unlock()
}

// Timestamps reports whether lines are stamped.
func (w *ConsoleWriter) Timestamps() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.opts.Timestamps
}

// Notice writes a line of avmsh's own ("--- board reset ---") on a line
// of its own, to the terminal and the log.
func (w *ConsoleWriter) Notice(msg string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	nl := "\n"
	if w.opts.CRLF {
		nl = "\r\n"
	}
	s := ""
	if !w.lineStart {
		s = nl
	}
	s += strings.ReplaceAll(msg, "\n", nl) + nl
	_, _ = io.WriteString(w.out, s)
	if w.opts.Log != nil {
		_, _ = io.WriteString(w.opts.Log, s)
	}
	w.lineStart = true
	w.lastCR = false
}

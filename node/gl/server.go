package gl

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"github.com/avmsh/avmsh/vm"
	"github.com/avmsh/avmsh/vm/iolib"
	"github.com/avmsh/avmsh/vm/syntax"
	"github.com/avmsh/avmsh/vm/term"
)

// Input is where get_line and get_chars read from (stdin, the shell's
// line editor, a TUI pane).
type Input interface {
	// ReadLine shows prompt and returns one line including its "\n"
	// (the last line may lack it), or io.EOF.
	ReadLine(ctx context.Context, prompt string) (string, error)
}

// Options configure a Server.
type Options struct {
	// Out receives output text (UTF-8). Writes are serialised.
	Out io.Writer
	// In is the input source; nil answers eof to every read.
	In Input
	// Columns and Rows answer get_geometry (0: 80 × 24).
	Columns, Rows int
	// Print is the context for ~p/~w of pids in formatted output.
	Print iolib.Options
	// Name registers the server process (optional).
	Name term.Atom
	// GetUntil handles {get_until, Enc, Prompt, M, F, Args} requests the
	// server does not know itself (the shell installs erl_scan:tokens).
	GetUntil func(ctx context.Context, in Input, prompt string, m, f term.Atom, args term.Term) (term.Term, error)
}

// Server is an Erlang I/O-protocol server process: the group leader of
// everything avmsh runs remotely, so remote io:format output appears in
// avmsh and remote io:get_line reads from it.
type Server struct {
	o             Options
	p             *vm.Process
	outMu         sync.Mutex
	binary        atomic.Bool // setopts([binary]); read by the input worker
	unicodeDevice atomic.Bool
	inputs        chan inputJob // input requests, served one at a time off the loop
	workerOnce    sync.Once     // starts the input worker at the first input request
}

// inputJob is an input request waiting for the input worker.
type inputJob struct {
	from    term.Pid
	replyAs term.Term
	req     term.Term
}

// Start spawns the server process in rt.
func Start(rt *vm.Runtime, o Options) (*Server, error) {
	if o.Out == nil {
		o.Out = io.Discard
	}
	if o.Columns == 0 {
		o.Columns = 80
	}
	if o.Rows == 0 {
		o.Rows = 24
	}
	s := &Server{o: o, inputs: make(chan inputJob, 256)}
	s.unicodeDevice.Store(true)
	// A handler process (no goroutine while no request comes: a one-shot
	// call that prints nothing never starts one), with the input worker
	// started at the first input request (issue 16: start-up).
	p, _, err := rt.SpawnHandler(s.handle, vm.SpawnOptions{Name: o.Name, Label: "group:server/3"})
	if err != nil {
		return nil, err
	}
	s.p = p
	return s, nil
}

// Pid is the server's pid: make it the group leader of remote calls.
func (s *Server) Pid() term.Pid { return s.p.Self() }

// Stop ends the server.
func (s *Server) Stop() { s.p.Exit(vm.Normal) }

// Write writes text to the output through the server's lock, so that
// local messages and remote output do not interleave mid-line.
func (s *Server) Write(text string) {
	s.outMu.Lock()
	_, _ = io.WriteString(s.o.Out, text)
	s.outMu.Unlock()
}

// handle serves one message to the server process.
func (s *Server) handle(p *vm.Process, msg term.Term) term.Term {
	t, ok := msg.(term.Tuple)
	if !ok || len(t) != 4 || t[0] != term.Atom("io_request") {
		return nil // not an I/O request: ignore like OTP's group does
	}
	from, ok := t[1].(term.Pid)
	if !ok {
		return nil
	}
	if isInput(t[3]) {
		// Reading waits for the user: do it off the server so that output
		// from other processes keeps flowing meanwhile.
		s.workerOnce.Do(func() { go s.inputWorker(p) })
		select {
		case s.inputs <- inputJob{from, t[2], t[3]}:
		default:
			_ = p.Send(from, term.Tuple{term.Atom("io_reply"), t[2], term.Tuple{term.Atom("error"), term.Atom("busy")}})
		}
		return nil
	}
	reply := s.request(p.Context(), t[3])
	_ = p.Send(from, term.Tuple{term.Atom("io_reply"), t[2], reply})
	return nil
}

// inputWorker serves input requests in arrival order until the server
// process ends.
func (s *Server) inputWorker(p *vm.Process) {
	for {
		select {
		case <-p.Done():
			return
		case j := <-s.inputs:
			reply := s.request(p.Context(), j.req)
			_ = p.Send(j.from, term.Tuple{term.Atom("io_reply"), j.replyAs, reply})
		}
	}
}

// isInput reports whether an I/O request reads input.
func isInput(req term.Term) bool {
	t, ok := req.(term.Tuple)
	if !ok || len(t) == 0 {
		return false
	}
	switch t[0] {
	case term.Atom("get_line"), term.Atom("get_chars"), term.Atom("get_until"), term.Atom("get_password"):
		return true
	case term.Atom("requests"):
		if len(t) == 2 {
			if l, ok := term.AsList(t[1]); ok {
				for _, r := range l {
					if isInput(r) {
						return true
					}
				}
			}
		}
	}
	return false
}

var (
	replyOK      = term.Atom("ok")
	errorRequest = term.Tuple{term.Atom("error"), term.Atom("request")}
)

func encodingOf(t term.Term) (syntax.Encoding, bool) {
	switch t {
	case term.Atom("unicode"), term.Atom("utf8"):
		return syntax.Unicode, true
	case term.Atom("latin1"):
		return syntax.Latin1, true
	}
	return 0, false
}

// request answers one I/O request (io_protocol, "Output Requests" and
// "Input Requests").
func (s *Server) request(ctx context.Context, req term.Term) term.Term {
	t, ok := req.(term.Tuple)
	if !ok || len(t) == 0 {
		if req == term.Atom("getopts") {
			return s.getopts()
		}
		return errorRequest
	}
	switch t[0] {
	case term.Atom("put_chars"):
		return s.putChars(t)
	case term.Atom("get_line"):
		if len(t) == 3 || len(t) == 2 {
			enc, prompt := syntax.Latin1, t[len(t)-1]
			if len(t) == 3 {
				var ok bool
				if enc, ok = encodingOf(t[1]); !ok {
					return errorRequest
				}
			}
			return s.getLine(ctx, enc, prompt)
		}
	case term.Atom("get_chars"):
		if len(t) == 4 || len(t) == 3 {
			enc, prompt, n := syntax.Latin1, t[len(t)-2], t[len(t)-1]
			if len(t) == 4 {
				var ok bool
				if enc, ok = encodingOf(t[1]); !ok {
					return errorRequest
				}
			}
			count, ok := n.(term.Int)
			if !ok || count < 0 {
				return errorRequest
			}
			return s.getChars(ctx, enc, prompt, int(count))
		}
	case term.Atom("get_password"):
		return s.getLine(ctx, syntax.Unicode, term.Nil)
	case term.Atom("get_until"):
		if len(t) == 6 {
			return s.getUntil(ctx, t[2], t[3], t[4], t[5])
		}
		if len(t) == 5 {
			return s.getUntil(ctx, t[1], t[2], t[3], t[4])
		}
	case term.Atom("setopts"):
		if len(t) == 2 {
			return s.setopts(t[1])
		}
	case term.Atom("get_geometry"):
		if len(t) == 2 {
			switch t[1] {
			case term.Atom("columns"):
				return term.Int(s.o.Columns)
			case term.Atom("rows"):
				return term.Int(s.o.Rows)
			}
			return term.Tuple{term.Atom("error"), term.Atom("enotsup")}
		}
	case term.Atom("requests"):
		if len(t) == 2 {
			l, ok := term.AsList(t[1])
			if !ok {
				return errorRequest
			}
			var last term.Term = replyOK
			for _, r := range l {
				last = s.request(ctx, r)
				if rt, ok := last.(term.Tuple); ok && len(rt) == 2 && rt[0] == term.Atom("error") {
					return last
				}
			}
			return last
		}
	}
	return errorRequest
}

func (s *Server) putChars(t term.Tuple) term.Term {
	var text string
	var err error
	switch len(t) {
	case 2: // {put_chars, Chars}: the old form, latin1
		text, err = iolib.PutChars(syntax.Latin1, t[1])
	case 3:
		enc, ok := encodingOf(t[1])
		if !ok {
			return errorRequest
		}
		text, err = iolib.PutChars(enc, t[2])
	case 4: // {put_chars, M, F, A}: old form
		m, ok1 := t[1].(term.Atom)
		f, ok2 := t[2].(term.Atom)
		if !ok1 || !ok2 {
			return errorRequest
		}
		text, err = s.mfaText(syntax.Latin1, m, f, t[3])
	case 5:
		enc, ok := encodingOf(t[1])
		m, ok1 := t[2].(term.Atom)
		f, ok2 := t[3].(term.Atom)
		if !ok || !ok1 || !ok2 {
			return errorRequest
		}
		text, err = s.mfaText(enc, m, f, t[4])
	default:
		return errorRequest
	}
	if err != nil {
		return term.Tuple{term.Atom("error"), term.Atom("put_chars")}
	}
	s.Write(text)
	return replyOK
}

func (s *Server) promptText(prompt term.Term) string {
	switch p := prompt.(type) {
	case term.Atom:
		return string(p)
	case term.Binary:
		if utf8.Valid(p) {
			return string(p)
		}
	}
	if text, err := iolib.CharsToString(prompt, syntax.Unicode); err == nil {
		return text
	}
	// io:format-style prompts ({format, Fmt, Args}) and anything else.
	if t, ok := prompt.(term.Tuple); ok && len(t) == 3 && t[0] == term.Atom("format") {
		if text, err := iolib.FormatTerm(t[1], t[2], s.o.Print); err == nil {
			return text
		}
	}
	return syntax.Write(prompt, syntax.Options{Encoding: syntax.Unicode})
}

func (s *Server) readLine(ctx context.Context, prompt term.Term) (string, error) {
	if s.o.In == nil {
		return "", io.EOF
	}
	return s.o.In.ReadLine(ctx, s.promptText(prompt))
}

// chars returns text as the device's data type: a binary (UTF-8 or
// latin1) in binary mode, a character list otherwise.
func (s *Server) chars(text string, enc syntax.Encoding) term.Term {
	if s.binary.Load() {
		if enc == syntax.Latin1 {
			b, err := iolib.Encode(text, syntax.Latin1)
			if err != nil {
				return term.Tuple{term.Atom("error"), term.Atom("no_translation")}
			}
			return term.Binary(b)
		}
		return term.Binary(text)
	}
	if enc == syntax.Latin1 && strings.IndexFunc(text, func(r rune) bool { return r > 0xFF }) >= 0 {
		return term.Tuple{term.Atom("error"), term.Atom("no_translation")}
	}
	return term.String(text)
}

func (s *Server) getLine(ctx context.Context, enc syntax.Encoding, prompt term.Term) term.Term {
	line, err := s.readLine(ctx, prompt)
	if err != nil {
		if errors.Is(err, io.EOF) && line == "" {
			return term.Atom("eof")
		}
		if line == "" {
			return term.Tuple{term.Atom("error"), term.Atom("terminated")}
		}
	}
	return s.chars(line, enc)
}

func (s *Server) getChars(ctx context.Context, enc syntax.Encoding, prompt term.Term, n int) term.Term {
	var sb strings.Builder
	count := 0
	for count < n {
		line, err := s.readLine(ctx, prompt)
		for _, r := range line {
			if count == n {
				break
			}
			sb.WriteRune(r)
			count++
		}
		if err != nil {
			break
		}
	}
	if count == 0 {
		return term.Atom("eof")
	}
	return s.chars(sb.String(), enc)
}

func (s *Server) getUntil(ctx context.Context, prompt, m, f, args term.Term) term.Term {
	mod, ok1 := m.(term.Atom)
	fn, ok2 := f.(term.Atom)
	if !ok1 || !ok2 || s.o.GetUntil == nil {
		return errorRequest
	}
	v, err := s.o.GetUntil(ctx, s.o.In, s.promptText(prompt), mod, fn, args)
	if err != nil {
		return term.Tuple{term.Atom("error"), term.Binary(fmt.Sprint(err))}
	}
	return v
}

func (s *Server) setopts(opts term.Term) term.Term {
	l, ok := term.AsList(opts)
	if !ok {
		return errorRequest
	}
	for _, o := range l {
		switch v := o.(type) {
		case term.Atom:
			switch v {
			case "binary":
				s.binary.Store(true)
			case "list":
				s.binary.Store(false)
			}
		case term.Tuple:
			if len(v) == 2 {
				switch v[0] {
				case term.Atom("binary"):
					s.binary.Store(v[1] == term.True)
				case term.Atom("encoding"):
					if enc, ok := encodingOf(v[1]); ok {
						s.unicodeDevice.Store(enc == syntax.Unicode)
					}
				}
			}
		}
	}
	return replyOK
}

func (s *Server) getopts() term.Term {
	enc := term.Atom("unicode")
	if !s.unicodeDevice.Load() {
		enc = "latin1"
	}
	return term.List{
		term.Tuple{term.Atom("binary"), term.Bool(s.binary.Load())},
		term.Tuple{term.Atom("encoding"), enc},
		term.Tuple{term.Atom("echo"), term.True},
	}
}

// mfaText evaluates the io_lib calls of {put_chars, Enc, M, F, A}:
// io_lib:format/fwrite (in package iolib) and io_lib:write/1,2, which is
// what io:write/1,2 sends.
func (s *Server) mfaText(enc syntax.Encoding, m, f term.Atom, args term.Term) (string, error) {
	l, _ := term.AsList(args)
	if m == "io_lib" && f == "write" && (len(l) == 1 || len(l) == 2) {
		o := syntax.Options{Encoding: enc, Node: s.o.Print.Node}
		if len(l) == 2 {
			d, ok := l[1].(term.Int)
			if !ok {
				return "", iolib.ErrBadArg
			}
			o.Depth = int(d)
		}
		return syntax.Write(l[0], o), nil
	}
	return iolib.PutCharsMFA(enc, m, f, args, s.o.Print)
}

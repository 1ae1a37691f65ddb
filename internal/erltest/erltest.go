package erltest

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// InCI reports whether the tests run under CI (CI=true or CI=1), where a
// missing peer program is a failure rather than a reason to skip.
func InCI() bool {
	v := strings.ToLower(os.Getenv("CI"))
	return v == "true" || v == "1" || v == "yes"
}

// RequireProgram skips the test when name is not on PATH, or fails it
// under CI.
func RequireProgram(tb testing.TB, name string) string {
	tb.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		msg := fmt.Sprintf("%s not found on PATH (install it: apt-get install -y erlang-nox socat)", name)
		if InCI() {
			tb.Fatalf("CI=true and %s", msg)
		}
		tb.Skip(msg)
	}
	return p
}

// Require skips the test when erl is not installed, or fails it under CI.
func Require(tb testing.TB) {
	tb.Helper()
	RequireProgram(tb, "erl")
	RequireProgram(tb, "epmd")
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// RandomName returns a short random node-name prefix such as "t3f9a1c2".
func RandomName(prefix string) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}

// Epmd is OTP's epmd running on a private port for one test.
type Epmd struct {
	Port int
	cmd  *exec.Cmd
	done chan struct{}
}

// StartEpmd runs OTP's `epmd -port P` in the foreground on a free port and
// stops it when the test ends.
func StartEpmd(tb testing.TB) *Epmd {
	tb.Helper()
	Require(tb)
	e, err := LaunchEpmd(context.Background())
	if err != nil {
		tb.Fatalf("start epmd: %v", err)
	}
	tb.Cleanup(e.Stop)
	return e
}

// LaunchEpmd starts OTP's epmd on a free loopback port; call Stop when done.
func LaunchEpmd(ctx context.Context) (*Epmd, error) {
	var lastErr error
	for attempt := 0; attempt < 5; attempt++ {
		port, err := FreePort()
		if err != nil {
			return nil, err
		}
		cmd := exec.Command("epmd", "-port", strconv.Itoa(port), "-address", "127.0.0.1")
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			return nil, fmt.Errorf("run epmd: %w", err)
		}
		e := &Epmd{Port: port, cmd: cmd, done: make(chan struct{})}
		go func() { _ = cmd.Wait(); close(e.done) }()
		if err := waitListening(ctx, e.done, port, 5*time.Second); err == nil {
			return e, nil
		} else {
			lastErr = fmt.Errorf("epmd on port %d: %w (stderr: %s)", port, err, strings.TrimSpace(stderr.String()))
		}
		e.Stop()
	}
	return nil, lastErr
}

// Stop kills epmd and waits for it to exit.
func (e *Epmd) Stop() {
	if e == nil || e.cmd.Process == nil {
		return
	}
	_ = syscall.Kill(-e.cmd.Process.Pid, syscall.SIGKILL)
	<-e.done
}

func waitListening(ctx context.Context, exited <-chan struct{}, port int, d time.Duration) error {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return errors.New("process exited")
		case <-ctx.Done():
			return ctx.Err()
		default:
		}
		c, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), 200*time.Millisecond)
		if err == nil {
			c.Close()
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return errors.New("not listening in time")
}

// Options configure a test node.
type Options struct {
	// Name is the alive part of the node name; random when empty.
	Name string
	// ShortNames uses -sname (host part from the machine's hostname);
	// the default is -name Name@127.0.0.1.
	ShortNames bool
	// Cookie defaults to a random cookie.
	Cookie string
	// EpmdPort is the epmd the node registers with; when 0 a private OTP
	// epmd is started for this node and stopped with it.
	EpmdPort int
	// NoStartEpmd skips starting a private OTP epmd when EpmdPort is 0:
	// the test provides its own epmd on the port the node finds in
	// ERL_EPMD_PORT (set it in Env).
	NoStartEpmd bool
	// Hidden starts the node with -hidden.
	Hidden bool
	// Eval is Erlang code run (each with -eval) before the node reports
	// ready.
	Eval []string
	// Modules are Erlang module sources (name → source) compiled and
	// loaded before the node reports ready.
	Modules map[string]string
	// Args are extra erl arguments.
	Args []string
	// Env adds environment variables.
	Env []string
	// StartTimeout bounds start-up (default 20 s, scaled by Timeout).
	StartTimeout time.Duration
}

// Node is a running `erl` node controlled over its stdin/stdout.
type Node struct {
	// Name is the full node name, e.g. "t1a2b3c4@127.0.0.1".
	Name     string
	Cookie   string
	EpmdPort int

	cmd     *exec.Cmd
	stdin   io.WriteCloser
	epmd    *Epmd
	done    chan struct{}
	replies chan reply
	dir     string

	mu     sync.Mutex
	output []string
	outCh  chan struct{}
	callMu sync.Mutex
	nextID int
}

type reply struct {
	id   int
	ok   bool
	etf  []byte
	text string
}

// Start launches a node for the test and kills it when the test ends.
func Start(tb testing.TB, opts Options) *Node {
	tb.Helper()
	Require(tb)
	n, err := Launch(context.Background(), opts)
	if err != nil {
		tb.Fatalf("start erl node: %v", err)
	}
	tb.Cleanup(n.Stop)
	return n
}

// controlLoop reads hex-encoded expressions on stdin, evaluates them with
// erl_eval (keeping bindings) and answers on one line each:
// "\x02ERLTEST <id> ok|err <hex ETF of the value or {Class,Reason,Stack}> <hex ~w text>".
const controlLoop = `
ErltestLoop = fun ErltestLoop(Bs) ->
  case io:get_line('') of
    eof -> erlang:halt(0);
    {error, _} -> erlang:halt(0);
    Line ->
      [IdS, HexSrc] = string:split(string:trim(Line), " "),
      Src = unicode:characters_to_list(binary:decode_hex(list_to_binary(HexSrc))),
      {Status, Val, Bs2} =
        try
          {ok, Toks, _} = erl_scan:string(Src),
          {ok, Exprs} = erl_parse:parse_exprs(Toks),
          {value, V, NewBs} = erl_eval:exprs(Exprs, Bs),
          {ok, V, NewBs}
        catch C:R:S -> {err, {C, R, S}, Bs}
        end,
      Text = try unicode:characters_to_binary(io_lib:format("~w", [Val])) catch _:_ -> <<"?">> end,
      io:put_chars(["\x02ERLTEST ", IdS, " ", atom_to_list(Status), " ",
                    binary:encode_hex(term_to_binary(Val)), " ", binary:encode_hex(Text), "\n"]),
      ErltestLoop(Bs2)
  end
end,
io:put_chars(["\x02ERLTEST ready ", atom_to_list(node()), "\n"]),
ErltestLoop(erl_eval:new_bindings()).
`

// Launch starts a node; the caller must call Stop.
func Launch(ctx context.Context, opts Options) (_ *Node, err error) {
	if opts.Name == "" {
		opts.Name = RandomName("t")
	}
	if opts.Cookie == "" {
		opts.Cookie = RandomName("c")
	}
	if opts.StartTimeout == 0 {
		opts.StartTimeout = Timeout(20 * time.Second)
	}
	// n is never reassigned: the cleanup below and the reader goroutine
	// use it after a failed start returns nil (a named result would be
	// nil by then: the node was leaked and the goroutine raced).
	n := &Node{Cookie: opts.Cookie, done: make(chan struct{}), replies: make(chan reply, 1), outCh: make(chan struct{}, 1)}
	defer func() {
		if err != nil {
			n.Stop()
		}
	}()
	if opts.EpmdPort == 0 && !opts.NoStartEpmd {
		n.epmd, err = LaunchEpmd(ctx)
		if err != nil {
			return nil, err
		}
		opts.EpmdPort = n.epmd.Port
	}
	n.EpmdPort = opts.EpmdPort
	n.dir, err = os.MkdirTemp("", "erltest-")
	if err != nil {
		return nil, err
	}
	args := []string{"-noshell", "-start_epmd", "false", "-setcookie", opts.Cookie}
	if opts.ShortNames {
		args = append(args, "-sname", opts.Name)
	} else {
		args = append(args, "-name", opts.Name+"@127.0.0.1")
	}
	if opts.Hidden {
		args = append(args, "-hidden")
	}
	args = append(args, "-pa", n.dir)
	args = append(args, opts.Args...)
	for name, src := range opts.Modules {
		path := filepath.Join(n.dir, name+".erl")
		if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
			return nil, err
		}
		args = append(args, "-eval", fmt.Sprintf(`case compile:file(%q, [{outdir, %q}, return_errors]) of {ok, _} -> {module, _} = code:load_file(%s); E -> io:format(standard_error, "compile ~s: ~p~n", [%q, E]), erlang:halt(3) end.`, path, n.dir, name, name))
	}
	for _, e := range opts.Eval {
		args = append(args, "-eval", e)
	}
	args = append(args, "-eval", controlLoop)
	n.cmd = exec.Command("erl", args...)
	n.cmd.Env = append(os.Environ(), "ERL_EPMD_PORT="+strconv.Itoa(opts.EpmdPort))
	n.cmd.Env = append(n.cmd.Env, opts.Env...)
	n.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	n.stdin, err = n.cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := n.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	n.cmd.Stderr = n.cmd.Stdout
	if err := n.cmd.Start(); err != nil {
		return nil, fmt.Errorf("run erl: %w", err)
	}
	ready := make(chan string, 1)
	go func() {
		defer close(n.done)
		n.readLoop(stdout, ready)
		_ = n.cmd.Wait()
	}()
	timer := time.NewTimer(opts.StartTimeout)
	defer timer.Stop()
	select {
	case name := <-ready:
		n.Name = name
		return n, nil
	case <-n.done:
		return nil, fmt.Errorf("erl exited during start-up; output:\n%s", n.Output())
	case <-timer.C:
		return nil, fmt.Errorf("erl not ready after %v; output:\n%s", opts.StartTimeout, n.Output())
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (n *Node) readLoop(r io.Reader, ready chan<- string) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 512*1024*1024)
	for sc.Scan() {
		line := sc.Text()
		rest, ok := strings.CutPrefix(line, "\x02ERLTEST ")
		if !ok {
			n.mu.Lock()
			n.output = append(n.output, line)
			n.mu.Unlock()
			select {
			case n.outCh <- struct{}{}:
			default:
			}
			continue
		}
		if name, ok := strings.CutPrefix(rest, "ready "); ok {
			ready <- name
			continue
		}
		f := strings.Split(rest, " ")
		if len(f) != 4 {
			continue
		}
		id, _ := strconv.Atoi(f[0])
		etf, _ := hex.DecodeString(f[2])
		text, _ := hex.DecodeString(f[3])
		n.replies <- reply{id: id, ok: f[1] == "ok", etf: etf, text: string(text)}
	}
}

// Output returns everything the node printed that was not a control
// reply, one line per element, joined with newlines.
func (n *Node) Output() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return strings.Join(n.output, "\n")
}

// WaitOutput waits until the node's output contains substr.
func (n *Node) WaitOutput(substr string, timeout time.Duration) bool {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		if strings.Contains(n.Output(), substr) {
			return true
		}
		select {
		case <-n.outCh:
		case <-deadline.C:
			return strings.Contains(n.Output(), substr)
		case <-n.done:
			return strings.Contains(n.Output(), substr)
		}
	}
}

// EvalError is an exception raised by an expression evaluated on the node.
type EvalError struct {
	Expr string
	// Text is {Class, Reason, Stacktrace} printed with ~w.
	Text string
	// ETF is term_to_binary({Class, Reason, Stacktrace}).
	ETF []byte
}

func (e *EvalError) Error() string { return fmt.Sprintf("erl: %s raised %s", e.Expr, e.Text) }

// Result is the value of an evaluated expression.
type Result struct {
	// Text is the value printed with ~w.
	Text string
	// ETF is term_to_binary(Value).
	ETF []byte
}

// Call evaluates Erlang expressions (a sequence ending without the final
// dot is fine; a final dot is added) on the node, keeping variable
// bindings across calls. An exception is returned as *EvalError.
func (n *Node) Call(ctx context.Context, expr string) (Result, error) {
	n.callMu.Lock()
	defer n.callMu.Unlock()
	src := strings.TrimSpace(expr)
	if !strings.HasSuffix(src, ".") {
		src += "."
	}
	n.nextID++
	id := n.nextID
	if _, err := fmt.Fprintf(n.stdin, "%d %s\n", id, hex.EncodeToString([]byte(src))); err != nil {
		return Result{}, fmt.Errorf("erl %s: send expression: %w", n.Name, err)
	}
	for {
		select {
		case r := <-n.replies:
			if r.id != id {
				continue // a late reply to a call that timed out
			}
			if !r.ok {
				return Result{}, &EvalError{Expr: expr, Text: r.text, ETF: r.etf}
			}
			return Result{Text: r.text, ETF: r.etf}, nil
		case <-n.done:
			return Result{}, fmt.Errorf("erl %s exited while evaluating %q; output:\n%s", n.Name, expr, n.Output())
		case <-ctx.Done():
			return Result{}, fmt.Errorf("erl %s: evaluating %q: %w", n.Name, expr, ctx.Err())
		}
	}
}

// Eval evaluates expr and returns its value printed with ~w; any
// exception or a 30 s timeout fails the test.
func (n *Node) Eval(tb testing.TB, expr string) string {
	tb.Helper()
	return n.EvalResult(tb, expr).Text
}

// EvalResult is Eval returning both the printed value and its ETF.
func (n *Node) EvalResult(tb testing.TB, expr string) Result {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r, err := n.Call(ctx, expr)
	if err != nil {
		tb.Fatalf("%v", err)
	}
	return r
}

// Kill sends SIGKILL to the node (to simulate a crash) and waits for it.
func (n *Node) Kill() {
	if n.cmd != nil && n.cmd.Process != nil {
		_ = syscall.Kill(-n.cmd.Process.Pid, syscall.SIGKILL)
		<-n.done
	}
}

// Stop kills the node and its private epmd and removes its files.
func (n *Node) Stop() {
	if n == nil {
		return
	}
	if n.cmd != nil && n.cmd.Process != nil {
		_ = n.stdin.Close()
		_ = syscall.Kill(-n.cmd.Process.Pid, syscall.SIGKILL)
		<-n.done
	}
	n.epmd.Stop()
	if n.dir != "" {
		_ = os.RemoveAll(n.dir)
	}
}

// Alive returns the part of the node name before '@'.
func (n *Node) Alive() string {
	alive, _, _ := strings.Cut(n.Name, "@")
	return alive
}

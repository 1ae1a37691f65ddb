package plugins

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"
)

// Context is what avmsh resolved before running a plugin; Environ puts
// it into the plugin's environment. Empty fields are not set (an
// inherited variable of that name is then kept as it was).
type Context struct {
	// Name is the plugin's name (AVMSH_PLUGIN).
	Name string
	// Bin is the path of the avmsh executable that runs the plugin
	// (AVMSH_BIN), so that the plugin can call `"$AVMSH_BIN" rpc ...`.
	Bin string
	// Version is avmsh's version (AVMSH_VERSION).
	Version string
	// Node is the name avmsh's own node would take: --name or --sname
	// (AVMSH_NODE; AVMSH_NAME_MODE is "longnames" with --name,
	// "shortnames" with --sname).
	Node     string
	LongName bool
	// Target is the node the plugin should talk to (AVMSH_TARGET): a
	// node name or serial:PORT.
	Target string
	// CookieSource says where the cookie comes from (AVMSH_COOKIE_SOURCE):
	// "flag", "env" or "file".
	CookieSource string
	// CookieFile is the cookie file when CookieSource is "file"
	// (AVMSH_COOKIE_FILE): the plugin reads it as erl does.
	CookieFile string
	// Cookie is the cookie given with --cookie (AVMSH_COOKIE), handed on
	// in the environment, never on the command line. Leave it empty for
	// the other sources: AVMSH_COOKIE is then inherited as it was, and a
	// cookie file stays the only copy of its secret.
	Cookie string
	// EpmdPort is the epmd port (ERL_EPMD_PORT), as erl and avmsh read it.
	EpmdPort int
	// Output is the output format asked for (AVMSH_OUTPUT): "text" or
	// "json".
	Output string
	// Timeout is --timeout (AVMSH_TIMEOUT, in Go's duration syntax).
	Timeout time.Duration
}

// Environ returns base (KEY=VALUE entries, os.Environ's form) with the
// context's variables set, replacing inherited ones of the same name.
func (c Context) Environ(base []string) []string {
	set := map[string]string{}
	put := func(k, v string) {
		if v != "" {
			set[k] = v
		}
	}
	put("AVMSH_PLUGIN", c.Name)
	put("AVMSH_BIN", c.Bin)
	put("AVMSH_VERSION", c.Version)
	put("AVMSH_NODE", c.Node)
	if c.Node != "" {
		put("AVMSH_NAME_MODE", map[bool]string{true: "longnames", false: "shortnames"}[c.LongName])
	}
	put("AVMSH_TARGET", c.Target)
	put("AVMSH_COOKIE_SOURCE", c.CookieSource)
	put("AVMSH_COOKIE_FILE", c.CookieFile)
	put("AVMSH_COOKIE", c.Cookie)
	if c.EpmdPort > 0 {
		put("ERL_EPMD_PORT", fmt.Sprint(c.EpmdPort))
	}
	put("AVMSH_OUTPUT", c.Output)
	if c.Timeout > 0 {
		put("AVMSH_TIMEOUT", c.Timeout.String())
	}
	out := make([]string, 0, len(base)+len(set))
	for _, kv := range base {
		k, _, _ := strings.Cut(kv, "=")
		if _, ok := set[k]; !ok {
			out = append(out, kv)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(set)) {
		out = append(out, k+"="+set[k])
	}
	return out
}

// Streams are a plugin's standard streams.
type Streams struct {
	In       io.Reader
	Out, Err io.Writer
}

// Grace is how long Run waits after passing an interrupt on before it
// kills a plugin that is still running.
const Grace = 10 * time.Second

// Run runs the plugin as a child process with args, the environment env
// and the streams, and returns its exit status: its exit code, or 128 +
// the signal's number when a signal ended it (130 for SIGINT), as a
// shell reports it. While it runs, SIGINT, SIGTERM and SIGHUP sent to
// avmsh are passed on to the plugin instead of ending avmsh, and so is
// ctx's end (as SIGINT); a plugin still running Grace after an interrupt
// is killed. The error is only for a plugin that could not be started.
//
// avmsh itself runs plugins with Exec where the system has it; Run is
// for the others (Windows) and for tests that keep the streams.
func Run(ctx context.Context, p Plugin, args, env []string, s Streams) (int, error) {
	if !p.Executable {
		return 0, &NotExecutableError{Plugin: p}
	}
	cmd := exec.Command(p.Path, args...)
	cmd.Env, cmd.Stdin, cmd.Stdout, cmd.Stderr = env, s.In, s.Out, s.Err
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(sigs)
	if err := cmd.Start(); err != nil {
		return 0, fmt.Errorf("run plugin %s (%s): %w", p.Name, p.Path, err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var kill <-chan time.Time
	ctxDone := ctx.Done()
	for {
		select {
		case err := <-done:
			return status(cmd, err), nil
		case sig := <-sigs:
			_ = cmd.Process.Signal(sig)
			kill = arm(kill)
		case <-ctxDone:
			ctxDone = nil
			if err := cmd.Process.Signal(os.Interrupt); err != nil {
				_ = cmd.Process.Kill() // no SIGINT on this system
			}
			kill = arm(kill)
		case <-kill:
			_ = cmd.Process.Kill()
		}
	}
}

// arm starts the grace timer once.
func arm(t <-chan time.Time) <-chan time.Time {
	if t != nil {
		return t
	}
	return time.After(Grace)
}

// status is the shell's exit status of a finished plugin.
func status(cmd *exec.Cmd, err error) int {
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		return 1
	}
	ps := cmd.ProcessState
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		if code, ok := signalStatus(ws.Signal()); ok {
			return code
		}
	}
	return ps.ExitCode()
}

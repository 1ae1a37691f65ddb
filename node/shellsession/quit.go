package shellsession

import (
	"strings"

	"github.com/avmsh/avmsh/vm/erl/parse"
	"github.com/avmsh/avmsh/vm/erl/scan"
	"github.com/avmsh/avmsh/vm/term"
)

// IsQuit reports whether cmd (one command, as typed) leaves the shell
// rather than running: the meta-commands :quit, :q and :exit, or a
// command that is only one of the calls that stop a node in erl -remsh —
// q(), halt(), halt(Status), init:stop(), init:stop(Status),
// erlang:halt() (any arity) or c:q(). Leaving never stops the target,
// whatever the evaluator (docs/shell.md, "Leaving"). The same call
// inside a larger expression is Erlang and runs as written.
func IsQuit(cmd string) bool {
	t := strings.TrimSpace(cmd)
	switch t {
	case ":quit", ":q", ":exit":
		return true
	}
	if len(t) > 200 || !strings.Contains(t, "(") {
		return false
	}
	es, err := parse.String(t)
	if err != nil || len(es) != 1 {
		return false
	}
	c, ok := es[0].(*parse.Call)
	if !ok {
		return false
	}
	n := len(c.Args)
	switch f := c.Fun.(type) {
	case *parse.Lit:
		return (f.Val == term.Atom("q") && n == 0) || (f.Val == term.Atom("halt") && n <= 1)
	case *parse.Remote:
		m, ok1 := f.Mod.(*parse.Lit)
		fn, ok2 := f.Fun.(*parse.Lit)
		if !ok1 || !ok2 {
			return false
		}
		switch {
		case m.Val == term.Atom("init") && fn.Val == term.Atom("stop"):
			return n <= 1
		case m.Val == term.Atom("erlang") && fn.Val == term.Atom("halt"):
			return n <= 2
		case m.Val == term.Atom("c") && fn.Val == term.Atom("q"):
			return n == 0
		}
	}
	return false
}

// splitQuit applies IsQuit to each command of src (a line may hold
// several): it returns the text before the first quit command and
// whether there was one.
func splitQuit(src string) (before string, quit bool) {
	rest := src
	for strings.TrimSpace(rest) != "" {
		cmd, r, ok := scan.SplitCommand(rest)
		if !ok {
			cmd, r = rest, ""
		}
		if IsQuit(cmd) {
			return src[:len(src)-len(rest)], true
		}
		rest = r
	}
	return src, false
}

package shellcmd

import (
	"context"
	"sort"
	"strings"
	"time"

	"github.com/avmsh/avmsh/devices"
)

// metaHelp lists the meta-commands (docs/shell.md).
const metaHelp = `avmsh meta-commands (Erlang's own h(). lists the shell built-ins):
  :help              this text
  :nodes             the nodes avmsh is connected to, with kind and transport
  :connect NODE      connect to NODE (name or serial:PORT) and make it the target
  :target NODE       run module calls on NODE from now on (avmsh's evaluator only)
  :devices           serial ports and the boards on them
  :quit              leave (as q(). and Ctrl-D do; the target keeps running)
`

// meta runs a meta-command line; it reports whether the shell should end.
func (r *repl) meta(ctx context.Context, line string, goMode bool) bool {
	fields := strings.Fields(line)
	cmd, args := fields[0], fields[1:]
	switch cmd {
	case ":quit", ":q", ":exit":
		return true
	case ":help", ":h", ":?":
		r.printf("%s", metaHelp)
	case ":nodes":
		peers := r.s.Node.Nodes()
		if len(peers) == 0 {
			r.printf("not connected to any node\n")
		}
		sort.Slice(peers, func(i, j int) bool { return peers[i].Node < peers[j].Node })
		for _, p := range peers {
			mark := " "
			if p.Node == r.s.Target {
				mark = "*"
			}
			r.printf("%s %-40s %-7s %-6s %s\n", mark, p.Node, p.Kind, p.Transport, p.Remote)
		}
	case ":connect", ":target":
		if len(args) != 1 {
			r.printf("usage: %s NODE\n", cmd)
			return false
		}
		if !goMode && cmd == ":target" {
			r.printf("the target of OTP's shell is fixed; use --evaluator go to switch targets\n")
			return false
		}
		r.connect(ctx, args[0], goMode)
	case ":devices":
		cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		devs, err := devices.List(cctx, devices.ListOptions{})
		if err != nil {
			r.printf("devices: %v\n", err)
			return false
		}
		if len(devs) == 0 {
			r.printf("no serial ports found\n")
		}
		for _, d := range devs {
			board := ""
			if d.Board != nil {
				board = d.Board.Name
			}
			r.printf("%-24s %s:%s %-20s %s\n", d.Path, d.VID, d.PID, board, d.Access)
		}
	default:
		r.printf("unknown meta-command %s (:help lists them)\n", cmd)
	}
	return false
}

// connect connects to spec and, in Go mode, makes it the target.
func (r *repl) connect(ctx context.Context, spec string, goMode bool) {
	t, err := r.o.ParseTarget(spec)
	if err != nil {
		r.printf("%v\n", err)
		return
	}
	if t.IsSerial() {
		r.printf("serial targets are given when the shell starts: avmsh shell %s\n", spec)
		return
	}
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := r.s.Node.Connect(cctx, t.Node); err != nil {
		r.printf("cannot connect to %s: %v\n", t.Node, err)
		return
	}
	if goMode && r.goHost != nil {
		r.goHost.SetTarget(t.Node)
		r.s.Target = t.Node
		r.comp.reset()
		r.printf("target is now %s\n", t.Node)
		return
	}
	r.printf("connected to %s\n", t.Node)
}

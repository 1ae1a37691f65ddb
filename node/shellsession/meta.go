package shellsession

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/avmsh/avmsh/devices"
	"github.com/avmsh/avmsh/vm/term"
)

// MetaCommands are the meta-commands, as Tab offers them.
var MetaCommands = []string{":help", ":nodes", ":connect ", ":target ", ":devices", ":quit"}

// metaHelp lists the meta-commands (docs/shell.md).
const metaHelp = `avmsh meta-commands (Erlang's own h(). lists the shell built-ins):
  :help              this text
  :nodes             the nodes avmsh is connected to, with kind and transport
  :connect NODE      connect to NODE (name or serial:PORT); with avmsh's evaluator it becomes the target
  :target NODE       run module calls on NODE from now on (avmsh's evaluator only)
  :devices           serial ports and the boards on them
  :quit              leave (as q(). and Ctrl-D do; the target keeps running)
Ctrl-G opens the job-control menu (i interrupts, c returns, q leaves).
`

// meta runs a meta-command line (it starts with ':'); it reports
// whether the shell should end.
func (s *Session) meta(ctx context.Context, line string) bool {
	fields := strings.Fields(line)
	cmd, args := fields[0], fields[1:]
	w := s.term
	if s.cfg.Node == nil && cmd != ":help" && cmd != ":h" && cmd != ":?" && !IsQuit(cmd) {
		fmt.Fprintf(w, "%s is not available here (no node of avmsh's behind this shell)\n", cmd)
		return false
	}
	switch cmd {
	case ":quit", ":q", ":exit":
		return true
	case ":help", ":h", ":?":
		_, _ = io.WriteString(w, metaHelp)
	case ":nodes":
		s.listNodes(w)
	case ":connect", ":target":
		if len(args) != 1 {
			fmt.Fprintf(w, "usage: %s NODE\n", cmd)
			return false
		}
		if s.mode == ModeRemote && cmd == ":target" {
			how := s.cfg.GoEvaluatorHint
			if how == "" {
				how = "open a shell with avmsh's Go evaluator"
			}
			fmt.Fprintf(w, "the target of OTP's shell is fixed; to switch targets, %s\n", how)
			return false
		}
		s.connect(ctx, args[0])
	case ":devices":
		s.listDevices(ctx, w)
	default:
		fmt.Fprintf(w, "unknown meta-command %s (:help lists them)\n", cmd)
	}
	return false
}

func (s *Session) listNodes(w io.Writer) {
	peers := s.cfg.Node.Nodes()
	if len(peers) == 0 {
		fmt.Fprintf(w, "not connected to any node\n")
	}
	sort.Slice(peers, func(i, j int) bool { return peers[i].Node < peers[j].Node })
	target := s.Target()
	for _, p := range peers {
		mark := " "
		if p.Node == target {
			mark = "*"
		}
		fmt.Fprintf(w, "%s %-40s %-7s %-6s %s\n", mark, p.Node, p.Kind, p.Transport, p.Remote)
	}
}

func (s *Session) listDevices(ctx context.Context, w io.Writer) {
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	devs, err := devices.List(cctx, devices.ListOptions{})
	if err != nil {
		fmt.Fprintf(w, "devices: %v\n", err)
		return
	}
	if len(devs) == 0 {
		fmt.Fprintf(w, "no serial ports found\n")
	}
	for _, d := range devs {
		board := ""
		if d.Board != nil {
			board = d.Board.Name
		}
		fmt.Fprintf(w, "%-24s %s:%s %-20s %s\n", d.Path, d.VID, d.PID, board, d.Access)
	}
}

// connect connects to spec and, with avmsh's evaluator, makes it the
// target.
func (s *Session) connect(ctx context.Context, spec string) {
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var name term.Atom
	var err error
	if s.cfg.Connect != nil {
		name, err = s.cfg.Connect(cctx, spec)
	} else {
		name, err = term.Atom(spec), s.cfg.Node.Connect(cctx, term.Atom(spec))
	}
	if err != nil {
		fmt.Fprintf(s.term, "cannot connect to %s: %v\n", spec, err)
		return
	}
	s.mu.Lock()
	host := s.host
	if s.mode == ModeGo && host != nil {
		s.target = name
	}
	s.mu.Unlock()
	if s.mode == ModeGo && host != nil {
		host.SetTarget(name)
		s.comp.reset()
		fmt.Fprintf(s.term, "target is now %s\n", name)
		return
	}
	fmt.Fprintf(s.term, "connected to %s\n", name)
}

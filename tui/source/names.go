package source

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/avmsh/avmsh/epmd"
	"github.com/avmsh/avmsh/node"
	"github.com/avmsh/avmsh/node/handshake"
	"github.com/avmsh/avmsh/vm/term"
)

// epmd lists names without their host part ("app", port 41523), and a
// node's full name is what the node says in the handshake. The name
// alive@host, with the host as this node would write it, is only a
// guess: with long names (--name me@127.0.0.1) a -sname node is really
// app@myhost, and with short names a -name node is app@127.0.0.1. The
// first connection tells (a handshake with the wrong name fails at the
// challenge, which carries the real one); until then a node is shown as
// epmd lists it. A node with the other name mode is marked unreachable,
// as an erl node of our mode could not connect to it either.

// entryKey identifies a registration: the same name on another port is
// a new node.
type entryKey struct {
	host, alive string
	port        int
}

// entry is a node epmd lists on one of the hosts.
type entry struct {
	entryKey
	guess term.Atom // alive@host as this node names it
	real  term.Atom // the name the node gave ("" until known)
	// unreachable says why the node is not connected to (its name mode
	// differs from ours); "" otherwise.
	unreachable string
	failed      time.Time // last failed connection attempt
	err         string
}

// name is the entry's best known name and whether it is the real one.
func (e *entry) name() (term.Atom, bool) {
	if e.real != "" {
		return e.real, true
	}
	return e.guess, false
}

// discover reads epmd on every host. A host that does not answer keeps
// its previous entries; entries epmd no longer lists are dropped.
func (cl *cluster) discover(ctx context.Context) {
	for _, h := range cl.env.epmdHosts {
		hctx, cancel := context.WithTimeout(ctx, time.Second)
		reply, err := (&epmd.Client{Addr: net.JoinHostPort(h, strconv.Itoa(cl.env.epmdPort))}).Names(hctx)
		cancel()
		if err != nil {
			continue
		}
		local, _, _ := node.SplitNodeName(string(cl.env.n.Name()))
		seen := map[entryKey]bool{}
		cl.mu.Lock()
		for _, ne := range reply.Nodes {
			k := entryKey{host: h, alive: ne.Name, port: ne.Port}
			if ne.Name == local && ne.Port == cl.env.n.ListenPort() {
				continue // ourselves
			}
			seen[k] = true
			if cl.entries[k] == nil {
				cl.entries[k] = &entry{entryKey: k, guess: cl.guess(h, ne.Name)}
			}
		}
		for k := range cl.entries {
			if k.host == h && !seen[k] {
				delete(cl.entries, k)
			}
		}
		cl.mu.Unlock()
	}
}

// guess is the name of a node epmd on host lists as alive, written as
// this node would: on "localhost", alive completed with our own host
// (localnode's ParseTarget, as erl completes a bare name), elsewhere
// alive@host. Only the handshake tells the real one (see above).
func (cl *cluster) guess(host, alive string) term.Atom {
	if host == "localhost" {
		if t, err := cl.env.local.ParseTarget(alive); err == nil && !t.IsSerial() {
			return t.Node
		}
	}
	return term.Atom(alive + "@" + host)
}

// matchPeers learns the real names of entries from the connections
// (the same name part, connected to the entry's port). cl.mu is held.
func (cl *cluster) matchPeers(peers []node.PeerInfo) {
	for _, p := range peers {
		alive, _, err := node.SplitNodeName(string(p.Node))
		if err != nil || p.Transport == "serial" {
			continue
		}
		_, port, err := net.SplitHostPort(p.Remote)
		if err != nil {
			continue
		}
		for _, e := range cl.entries {
			if e.alive == alive && strconv.Itoa(e.port) == port {
				e.real, e.unreachable, e.err = p.Node, "", ""
			}
		}
	}
}

// toProbe lists the entries to connect to now: not connected, not of
// the other name mode, not failed in the last 15 s. cl.mu is held.
func (cl *cluster) toProbe(now time.Time) []*entry {
	var out []*entry
	for _, e := range cl.entries {
		name, _ := e.name()
		if r := cl.rows[name]; r != nil && r.State == StateUp || e.unreachable != "" {
			continue
		}
		if e.failed.IsZero() || now.Sub(e.failed) > 15*time.Second {
			out = append(out, e)
		}
	}
	return out
}

// probe connects to an entry under its best known name. A node that
// answers with another name gives its real one: with our name mode it
// is connected to under that name at once, with the other the entry is
// marked unreachable.
func (cl *cluster) probe(ctx context.Context, e *entry) (term.Atom, error) {
	cl.mu.Lock()
	name, _ := e.name()
	unreachable := e.unreachable
	cl.mu.Unlock()
	if unreachable != "" {
		return name, errors.New(unreachable)
	}
	err := cl.env.n.Connect(ctx, name)
	if real, ok := reachedName(err); ok {
		name = real
		if why := cl.otherMode(real); why != "" {
			cl.mu.Lock()
			e.real, e.unreachable, e.err = real, why, ""
			cl.mu.Unlock()
			return real, errors.New(why)
		}
		err = cl.env.n.Connect(ctx, real)
	}
	cl.mu.Lock()
	defer cl.mu.Unlock()
	switch {
	case err == nil:
		e.real, e.failed, e.err = name, time.Time{}, ""
	default:
		e.failed, e.err = time.Now(), err.Error()
		var he *handshake.Error
		if errors.As(err, &he) && (he.Stage == "challenge_reply" || he.Stage == "challenge_ack") {
			e.real = name // the name was checked at the challenge
		}
		return name, err
	}
	if cl.rows[name] == nil {
		cl.rows[name] = &NodeRow{Name: name, State: StateUp, Since: time.Now()}
	}
	return name, nil
}

// otherMode explains why a node named name is not connected to when its
// name mode differs from ours ("" when it is the same).
func (cl *cluster) otherMode(name term.Atom) string {
	ours, theirs := longName(cl.env.n.Name()), longName(name)
	switch {
	case ours == theirs:
		return ""
	case ours:
		return fmt.Sprintf("%s is a short-name node (-sname): a long-name node such as this dashboard (--name) cannot reach it; start the dashboard with --sname to see it", name)
	}
	return fmt.Sprintf("%s is a long-name node (-name): a short-name node such as this dashboard (--sname, the default) cannot reach it; start the dashboard with --name NAME@HOST to see it", name)
}

// entryRows are the rows of the entries not connected to. cl.mu is held.
func (cl *cluster) entryRows() []NodeRow {
	var out []NodeRow
	for _, e := range cl.entries {
		name, known := e.name()
		if cl.rows[name] != nil {
			continue
		}
		r := NodeRow{Name: name, Kind: "?", Transport: "tcp", Where: net.JoinHostPort(e.host, strconv.Itoa(e.port)), State: StateSeen, Err: e.err}
		switch {
		case e.unreachable != "":
			r.State, r.Err = StateUnreachable, e.unreachable
		case !known: // as epmd lists it, until the node tells its host
			r.Name, r.Dial = term.Atom(e.alive), e.alive
		}
		out = append(out, r)
	}
	return out
}

// entryNamed is the entry epmd lists as alive (on the first host that
// does), or nil.
func (cl *cluster) entryNamed(alive string) *entry {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	for _, h := range cl.env.epmdHosts {
		for k, e := range cl.entries {
			if k.host == h && k.alive == alive {
				return e
			}
		}
	}
	return nil
}

// reachedName is the name a node gave when it was dialled under another
// one (a *handshake.NameMismatchError), when it is a well-formed node
// name.
func reachedName(err error) (term.Atom, bool) {
	var nm *handshake.NameMismatchError
	if !errors.As(err, &nm) {
		return "", false
	}
	name := nm.Reached
	mode := node.ShortNames
	if longName(term.Atom(name)) {
		mode = node.LongNames
	}
	if full, err := node.MakeNodeName(name, mode, nil); err != nil || full != name {
		return "", false
	}
	return term.Atom(name), true
}

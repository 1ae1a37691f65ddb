package cmdtest

import (
	"context"
	"fmt"
	"hash/crc32"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/avmsh/avmsh/epmd"
	"github.com/avmsh/avmsh/node/localnode"
	"github.com/avmsh/avmsh/node/rpc"
	"github.com/avmsh/avmsh/vm"
	"github.com/avmsh/avmsh/vm/term"
)

// Mapper is an in-memory port mapper (a fake epmd) shared by a command's
// node and the test's peers: Register records a name's port, Lookup
// answers it, whatever the host.
type Mapper struct {
	mu    sync.Mutex
	ports map[string]int
	next  uint32
}

// NewMapper returns an empty Mapper.
func NewMapper() *Mapper { return &Mapper{ports: map[string]int{}} }

// Register implements node.PortMapper.
func (m *Mapper) Register(_ context.Context, alive string, port int, _ bool) (uint32, io.Closer, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.ports[alive]; ok {
		return 0, nil, fmt.Errorf("register %s: %w", alive, epmd.ErrNameTaken)
	}
	m.ports[alive] = port
	m.next++
	return m.next, closerFunc(func() error {
		m.mu.Lock()
		delete(m.ports, alive)
		m.mu.Unlock()
		return nil
	}), nil
}

// Lookup implements node.PortMapper.
func (m *Mapper) Lookup(_ context.Context, host, alive string) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if p, ok := m.ports[alive]; ok {
		return p, nil
	}
	return 0, fmt.Errorf("look up %s on %s: %w", alive, host, epmd.ErrNotRegistered)
}

type closerFunc func() error

func (f closerFunc) Close() error { return f() }

// Peer is an in-process avmsh node that stands in for a target: it
// serves avmsh's built-ins and stdlib (erlang:node/0, timer:sleep/1,
// io:format/2, ...) and the module fake:
//
//	fake:echo(X) -> X
//	fake:crc32(Binary) -> the CRC-32 of its bytes (as erlang:crc32/1)
//	fake:fail(Class, Reason) raises Class:Reason
//
// and a process registered as inbox whose messages Received returns.
type Peer struct {
	*localnode.Node
	// Inbox is the pid of the inbox process.
	Inbox term.Pid
	inbox chan term.Term
}

// StartPeer starts a peer named alive@127.0.0.1 (a random name when
// alive is empty) with the environment's cookie, listening on loopback
// and registered in e's Mapper. It is stopped when the test ends.
func (e *Env) StartPeer(alive string) *Peer {
	e.t.Helper()
	if alive == "" {
		alive = localnode.RandomName("fake_")
	}
	n, err := localnode.Start(context.Background(), localnode.Config{
		Name: alive + "@127.0.0.1", Cookie: e.Cookie(), Listen: true, ListenAddr: "127.0.0.1:0",
		PortMapper: e.Mapper, Version: "test",
	})
	if err != nil {
		e.t.Fatalf("start peer %s: %v", alive, err)
	}
	p := &Peer{Node: n, inbox: make(chan term.Term, 16)}
	registerFake(n.Registry())
	inbox, err := n.Runtime().NewProcess(vm.SpawnOptions{Label: "cmdtest:inbox/0"})
	if err != nil {
		n.Stop()
		e.t.Fatal(err)
	}
	p.Inbox = inbox.Self()
	if err := n.Runtime().Register("inbox", inbox.Self()); err != nil {
		n.Stop()
		e.t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			m, err := inbox.Receive(inbox.Context(), nil, vm.Infinity)
			if err != nil {
				return
			}
			select {
			case p.inbox <- m:
			default: // a test that floods the inbox reads what fits
			}
		}
	}()
	e.t.Cleanup(func() {
		inbox.Exit(vm.Normal)
		<-done
		n.Stop()
	})
	return p
}

// Received waits (up to a generous deadline) for the next message to
// the inbox process.
func (p *Peer) Received(t *testing.T) term.Term {
	t.Helper()
	select {
	case m := <-p.inbox:
		return m
	case <-time.After(30 * time.Second):
		t.Fatal("no message reached the inbox")
		return nil
	}
}

func registerFake(reg *rpc.Registry) {
	reg.Register("fake", "echo", 1, func(_ *rpc.CallContext, args []term.Term) (term.Term, error) {
		return args[0], nil
	})
	reg.Register("fake", "crc32", 1, func(_ *rpc.CallContext, args []term.Term) (term.Term, error) {
		b, ok := args[0].(term.Binary)
		if !ok {
			return nil, rpc.Badarg()
		}
		return term.Int(int64(crc32.ChecksumIEEE(b))), nil
	})
	reg.Register("fake", "fail", 2, func(_ *rpc.CallContext, args []term.Term) (term.Term, error) {
		class, ok := args[0].(term.Atom)
		if !ok {
			return nil, rpc.Badarg()
		}
		return nil, rpc.Raise(class, args[1])
	})
}

// MuteNetKernel replaces the peer's net_kernel with a process that never
// answers: connections still come up, but pings (net_adm:ping, and the
// delivery check of avmsh send) get no reply, like a peer too busy to
// answer.
func (p *Peer) MuteNetKernel(t *testing.T) {
	t.Helper()
	rt := p.Runtime()
	if err := rt.Unregister("net_kernel"); err != nil {
		t.Fatal(err)
	}
	mute, err := rt.NewProcess(vm.SpawnOptions{Label: "cmdtest:mute_net_kernel/0"})
	if err != nil {
		t.Fatal(err)
	}
	if err := rt.Register("net_kernel", mute.Self()); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			if _, err := mute.Receive(mute.Context(), nil, vm.Infinity); err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() { mute.Exit(vm.Normal); <-done })
}

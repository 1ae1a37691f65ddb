package node

import (
	"sync"

	"github.com/avmsh/avmsh/node/dist"
	"github.com/avmsh/avmsh/vm/term"
)

// pendingSpawns are the spawn requests sent on one connection whose
// SPAWN_REPLY has not arrived. When the connection goes down before it
// does, each requester gets {spawn_reply, ReqID, error, noconnection},
// as in OTP (erlang:spawn_request/5, erl_dist_protocol SPAWN_REPLY): a
// caller then learns at once that the node is gone instead of waiting
// for its own timeout. The monitor a request asked for only exists once
// the reply has come, so NodeDown alone cannot answer these.
type pendingSpawns struct {
	mu     sync.Mutex
	m      map[term.Ref]term.Pid // request id → requester
	closed bool                  // the connection is down: nothing more is tracked
}

// add records a request about to be sent; false means the connection is
// already down.
func (s *pendingSpawns) add(reqID term.Ref, from term.Pid) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	if s.m == nil {
		s.m = make(map[term.Ref]term.Pid)
	}
	s.m[reqID] = from
	return true
}

// remove forgets a request (its reply came); it reports whether it was
// still pending.
func (s *pendingSpawns) remove(reqID term.Ref) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.m[reqID]
	delete(s.m, reqID)
	return ok
}

// close stops tracking and returns the requests still unanswered.
func (s *pendingSpawns) close() map[term.Ref]term.Pid {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	m := s.m
	s.m = nil
	return m
}

func (s *pendingSpawns) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.m)
}

// sendSpawn queues a spawn request on k and tracks it until its reply.
// A request that cannot go out because the connection is closing is
// answered with noconnection rather than failing the send, as Erlang's
// spawn_request/5 does.
func (k *conn) sendSpawn(s dist.Signal, m outMsg) error {
	reqID, _ := s.ReqID.(term.Ref)
	from, _ := s.From.(term.Pid)
	if !k.spawns.add(reqID, from) {
		k.n.spawnNoConnection(reqID, from)
		return nil
	}
	if err := k.enqueue(m); err != nil && k.spawns.remove(reqID) {
		// Not answered by connDown yet: answer it here, once.
		k.n.spawnNoConnection(reqID, from)
	}
	return nil
}

// failSpawns answers every request still waiting on k, which is down.
func (n *Node) failSpawns(k *conn) {
	for reqID, from := range k.spawns.close() {
		n.spawnNoConnection(reqID, from)
	}
}

// spawnNoConnection delivers {spawn_reply, ReqID, error, noconnection}
// to the requester, unless it abandoned the request (then there is no
// reply at all, as after erlang:spawn_request_abandon/1).
func (n *Node) spawnNoConnection(reqID term.Ref, from term.Pid) {
	n.spawnMu.Lock()
	defer n.spawnMu.Unlock()
	if n.takeAbandoned(reqID) {
		return
	}
	n.rt.DeliverMessage(from, term.Tuple{term.Atom("spawn_reply"), reqID, term.Atom("error"), term.Atom("noconnection")})
}

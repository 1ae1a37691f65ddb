package node

import (
	"github.com/avmsh/avmsh/node/dist"
	"github.com/avmsh/avmsh/vm/term"
)

// dispatch applies one incoming signal from connection k to the local
// runtime. It runs on k's reader goroutine, so signals from one node are
// applied in the order they arrived, and it never blocks on the network:
// answers go through k's writer queue.
func (n *Node) dispatch(k *conn, s dist.Signal) {
	rt := n.rt
	switch s.Kind {
	case dist.KindSend:
		rt.DeliverMessage(s.To.(term.Pid), s.Msg)
	case dist.KindRegSend:
		if !rt.DeliverRegSend(s.To.(term.Atom), s.Msg) {
			n.log.Debug("message to an unregistered name dropped", "peer", k.name, "name", s.To)
		}
	case dist.KindAliasSend:
		rt.DeliverAlias(s.To.(term.Ref), s.Msg)
	case dist.KindLink:
		from, to := s.From.(term.Pid), s.To.(term.Pid)
		if err := rt.RemoteLink(from, to); err != nil {
			n.answer(k, dist.Signal{Kind: dist.KindExit, From: to, To: from, Reason: term.Atom("noproc")})
		}
	case dist.KindUnlink:
		from, to := s.From.(term.Pid), s.To.(term.Pid)
		rt.RemoteUnlink(from, to)
		if s.Op == dist.OpUnlinkID {
			n.answer(k, dist.Signal{Kind: dist.KindUnlinkAck, ID: s.ID, From: to, To: from})
		}
	case dist.KindUnlinkAck:
		// Our unlink already removed the link locally.
	case dist.KindExit:
		rt.RemoteExit(s.From.(term.Pid), s.To.(term.Pid), s.Reason, true)
	case dist.KindExit2:
		rt.RemoteExit(s.From.(term.Pid), s.To.(term.Pid), s.Reason, false)
	case dist.KindMonitor:
		from := s.From.(term.Pid)
		ref := s.Ref.(term.Ref)
		if err := rt.RemoteMonitor(from, s.To, ref); err != nil {
			n.answer(k, dist.Signal{Kind: dist.KindDown, From: s.To, To: from, Ref: ref, Reason: term.Atom("noproc")})
		}
	case dist.KindDemonitor:
		rt.RemoteDemonitor(s.From.(term.Pid), s.To, s.Ref.(term.Ref))
	case dist.KindDown:
		if ref, ok := s.Ref.(term.Ref); ok {
			rt.RemoteDown(s.To.(term.Pid), ref, s.Reason)
		}
	case dist.KindGroupLeader:
		if err := rt.SetGroupLeaderOf(s.To.(term.Pid), s.From.(term.Pid)); err != nil {
			n.log.Debug("group leader for a dead process", "peer", k.name, "error", err)
		}
	case dist.KindSpawnRequest:
		n.handleSpawnRequest(k, s)
	case dist.KindSpawnReply:
		n.handleSpawnReply(k, s)
	case dist.KindNodeLink:
	}
}

// answer queues a protocol answer on the connection it concerns.
func (n *Node) answer(k *conn, s dist.Signal) {
	if err := k.send(s); err != nil {
		n.log.Warn("cannot answer", "peer", k.name, "error", err)
	}
}

package dist

import (
	"errors"
	"fmt"

	"github.com/avmsh/avmsh/node/handshake"
	"github.com/avmsh/avmsh/vm/term"
)

// Caps is what a connected peer can take, derived from its handshake
// flags. AtomVM peers accept only a subset of control messages
// (../shared/spec/atomvm-dist.md §2.3–2.4); sending anything else would
// make them drop the connection, so Build refuses instead.
type Caps struct {
	Flags  handshake.Flags
	AtomVM bool
	// MaxDepth bounds how deeply an encoded term may nest (0:
	// etf.DefaultMaxDepth); deeper terms fail with an *etf.DepthError.
	MaxDepth int
}

// CapsFor derives capabilities from a peer's flags.
func CapsFor(peer handshake.Flags) Caps { return Caps{Flags: peer, AtomVM: peer.IsAtomVM()} }

// ErrUnsupported is returned when the peer cannot take a signal.
var ErrUnsupported = errors.New("the peer does not support this signal")

func (c Caps) refuse(what string) error {
	who := "the peer"
	if c.AtomVM {
		who = "an AtomVM peer"
	}
	return fmt.Errorf("%w: %s cannot take %s", ErrUnsupported, who, what)
}

// withReason returns ctrl, a control message that carries an exit reason
// (for a peer without DFLAG_EXIT_PAYLOAD, erl_dist_protocol "Protocol
// between connected nodes": EXIT, EXIT2, MONITOR_P_EXIT), once it is
// known to encode for c: a reason nested too deep (an *etf.EncodeError
// wrapping *etf.DepthError) or that the peer cannot take is refused here,
// at the sender, as a payload is, instead of failing the connection's
// writer, which would drop the connection.
func withReason(ctrl term.Tuple, c Caps) (term.Tuple, term.Term, bool, error) {
	if _, err := EncodePayload(nil, ctrl, c); err != nil {
		return nil, nil, false, fmt.Errorf("the exit reason: %w", err)
	}
	return ctrl, nil, false, nil
}

// Build returns the control tuple and payload for s as this peer expects
// them. hasPayload tells whether payload follows the control tuple.
func Build(s Signal, c Caps) (ctrl term.Tuple, payload term.Term, hasPayload bool, err error) {
	exitPayload := c.Flags.Has(handshake.ExitPayload)
	switch s.Kind {
	case KindSend:
		if c.AtomVM || c.Flags.Has(handshake.SendSender) {
			return term.Tuple{term.Int(OpSendSender), s.From, s.To}, s.Msg, true, nil
		}
		return term.Tuple{term.Int(OpSend), term.Atom(""), s.To}, s.Msg, true, nil
	case KindRegSend:
		return term.Tuple{term.Int(OpRegSend), s.From, term.Atom(""), s.To}, s.Msg, true, nil
	case KindAliasSend:
		if c.AtomVM || !c.Flags.Has(handshake.Alias) {
			return nil, nil, false, c.refuse("a message to an alias (ALIAS_SEND)")
		}
		return term.Tuple{term.Int(OpAliasSend), s.From, s.To}, s.Msg, true, nil
	case KindLink:
		return term.Tuple{term.Int(OpLink), s.From, s.To}, nil, false, nil
	case KindUnlink:
		if c.AtomVM || c.Flags.Has(handshake.UnlinkID) {
			return term.Tuple{term.Int(OpUnlinkID), s.ID, s.From, s.To}, nil, false, nil
		}
		return term.Tuple{term.Int(OpUnlink), s.From, s.To}, nil, false, nil
	case KindUnlinkAck:
		return term.Tuple{term.Int(OpUnlinkIDAck), s.ID, s.From, s.To}, nil, false, nil
	case KindExit:
		if c.AtomVM || exitPayload {
			return term.Tuple{term.Int(OpPayloadExit), s.From, s.To}, s.Reason, true, nil
		}
		return withReason(term.Tuple{term.Int(OpExit), s.From, s.To, s.Reason}, c)
	case KindExit2:
		if c.AtomVM {
			return nil, nil, false, c.refuse("exit/2 (EXIT2): a remote node cannot send an exit signal to an AtomVM process")
		}
		if exitPayload {
			return term.Tuple{term.Int(OpPayloadExit2), s.From, s.To}, s.Reason, true, nil
		}
		return withReason(term.Tuple{term.Int(OpExit2), s.From, s.To, s.Reason}, c)
	case KindMonitor:
		return term.Tuple{term.Int(OpMonitorP), s.From, s.To, s.Ref}, nil, false, nil
	case KindDemonitor:
		return term.Tuple{term.Int(OpDemonitorP), s.From, s.To, s.Ref}, nil, false, nil
	case KindDown:
		if c.AtomVM || exitPayload {
			return term.Tuple{term.Int(OpPayloadMonitorPExit), s.From, s.To, s.Ref}, s.Reason, true, nil
		}
		return withReason(term.Tuple{term.Int(OpMonitorPExit), s.From, s.To, s.Ref, s.Reason}, c)
	case KindGroupLeader:
		if c.AtomVM {
			return nil, nil, false, c.refuse("a group-leader change (GROUP_LEADER)")
		}
		return term.Tuple{term.Int(OpGroupLeader), s.From, s.To}, nil, false, nil
	case KindSpawnRequest:
		if !c.AtomVM && !c.Flags.Has(handshake.Spawn) {
			return nil, nil, false, c.refuse("a spawn request (no DFLAG_SPAWN)")
		}
		opts := s.Opts
		if opts == nil {
			opts = term.Nil
		}
		mfa := term.Tuple{s.Module, s.Function, term.Int(s.Arity)}
		return term.Tuple{term.Int(OpSpawnRequest), s.ReqID, s.From, s.GroupLeader, mfa, opts}, s.Args, true, nil
	case KindSpawnReply:
		if c.AtomVM {
			return nil, nil, false, c.refuse("a spawn reply (AtomVM never sends spawn requests)")
		}
		return term.Tuple{term.Int(OpSpawnReply), s.ReqID, s.To, term.Int(s.SpawnFlags), s.Result}, nil, false, nil
	case KindNodeLink:
		if c.AtomVM {
			return nil, nil, false, c.refuse("NODE_LINK")
		}
		return term.Tuple{term.Int(OpNodeLink)}, nil, false, nil
	}
	return nil, nil, false, fmt.Errorf("build control message: unknown signal kind %d", s.Kind)
}

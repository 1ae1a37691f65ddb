package dist

import (
	"fmt"

	"github.com/avmsh/avmsh/vm/term"
)

// Op is a control message operation (erl_dist_protocol, "Protocol between
// Connected Nodes").
type Op int

// Control message operations.
const (
	OpLink                Op = 1
	OpSend                Op = 2
	OpExit                Op = 3
	OpUnlink              Op = 4
	OpNodeLink            Op = 5
	OpRegSend             Op = 6
	OpGroupLeader         Op = 7
	OpExit2               Op = 8
	OpSendTT              Op = 12
	OpExitTT              Op = 13
	OpRegSendTT           Op = 16
	OpExit2TT             Op = 18
	OpMonitorP            Op = 19
	OpDemonitorP          Op = 20
	OpMonitorPExit        Op = 21
	OpSendSender          Op = 22
	OpSendSenderTT        Op = 23
	OpPayloadExit         Op = 24
	OpPayloadExitTT       Op = 25
	OpPayloadExit2        Op = 26
	OpPayloadExit2TT      Op = 27
	OpPayloadMonitorPExit Op = 28
	OpSpawnRequest        Op = 29
	OpSpawnRequestTT      Op = 30
	OpSpawnReply          Op = 31
	OpSpawnReplyTT        Op = 32
	OpAliasSend           Op = 33
	OpAliasSendTT         Op = 34
	OpUnlinkID            Op = 35
	OpUnlinkIDAck         Op = 36
)

// opNames is an array, laid out by the linker (a map would be built when
// the program starts).
var opNames = [...]string{
	OpLink: "LINK", OpSend: "SEND", OpExit: "EXIT", OpUnlink: "UNLINK", OpNodeLink: "NODE_LINK",
	OpRegSend: "REG_SEND", OpGroupLeader: "GROUP_LEADER", OpExit2: "EXIT2", OpSendTT: "SEND_TT",
	OpExitTT: "EXIT_TT", OpRegSendTT: "REG_SEND_TT", OpExit2TT: "EXIT2_TT", OpMonitorP: "MONITOR_P",
	OpDemonitorP: "DEMONITOR_P", OpMonitorPExit: "MONITOR_P_EXIT", OpSendSender: "SEND_SENDER",
	OpSendSenderTT: "SEND_SENDER_TT", OpPayloadExit: "PAYLOAD_EXIT", OpPayloadExitTT: "PAYLOAD_EXIT_TT",
	OpPayloadExit2: "PAYLOAD_EXIT2", OpPayloadExit2TT: "PAYLOAD_EXIT2_TT",
	OpPayloadMonitorPExit: "PAYLOAD_MONITOR_P_EXIT", OpSpawnRequest: "SPAWN_REQUEST",
	OpSpawnRequestTT: "SPAWN_REQUEST_TT", OpSpawnReply: "SPAWN_REPLY", OpSpawnReplyTT: "SPAWN_REPLY_TT",
	OpAliasSend: "ALIAS_SEND", OpAliasSendTT: "ALIAS_SEND_TT", OpUnlinkID: "UNLINK_ID",
	OpUnlinkIDAck: "UNLINK_ID_ACK",
}

func (o Op) String() string {
	if o >= 0 && int(o) < len(opNames) && opNames[o] != "" {
		return opNames[o]
	}
	return fmt.Sprintf("op%d", int(o))
}

// HasPayload reports whether a second term (message, reason or argument
// list) follows the control tuple.
func (o Op) HasPayload() bool {
	switch o {
	case OpSend, OpRegSend, OpSendTT, OpRegSendTT, OpSendSender, OpSendSenderTT,
		OpPayloadExit, OpPayloadExitTT, OpPayloadExit2, OpPayloadExit2TT, OpPayloadMonitorPExit,
		OpSpawnRequest, OpSpawnRequestTT, OpAliasSend, OpAliasSendTT:
		return true
	}
	return false
}

// Kind is what a signal does, whatever control message carried it.
type Kind int

// Signal kinds.
const (
	KindSend         Kind = iota + 1 // message to a pid (SEND, SEND_SENDER and _TT)
	KindRegSend                      // message to a registered name
	KindAliasSend                    // message to an alias
	KindLink                         // LINK
	KindUnlink                       // UNLINK (old) or UNLINK_ID
	KindUnlinkAck                    // UNLINK_ID_ACK
	KindExit                         // link broken: EXIT / PAYLOAD_EXIT
	KindExit2                        // erlang:exit/2: EXIT2 / PAYLOAD_EXIT2
	KindMonitor                      // MONITOR_P
	KindDemonitor                    // DEMONITOR_P
	KindDown                         // MONITOR_P_EXIT / PAYLOAD_MONITOR_P_EXIT
	KindGroupLeader                  // GROUP_LEADER
	KindSpawnRequest                 // SPAWN_REQUEST
	KindSpawnReply                   // SPAWN_REPLY
	KindNodeLink                     // NODE_LINK (ignored)
)

// Signal is a decoded control message with its payload, normalised across
// the legacy, SENDER, PAYLOAD and _TT variants.
type Signal struct {
	Kind Kind
	Op   Op // the operation it came in as (for logs)
	// From is the sending pid; for KindDown, the monitored item the peer
	// reports (a pid, or the name atom it was monitored by).
	From term.Term
	// To is the destination: a pid, a name atom (KindRegSend, KindMonitor
	// by name) or an alias ref (KindAliasSend).
	To term.Term
	// Ref is the monitor reference (monitor/demonitor/down).
	Ref term.Term
	// ID is the unlink id (UNLINK_ID, UNLINK_ID_ACK).
	ID term.Term
	// Reason is the exit or DOWN reason.
	Reason term.Term
	// Msg is the message of a send.
	Msg term.Term
	// Token is a sequential-trace token (ignored, kept for logs).
	Token term.Term

	// Spawn request/reply fields.
	ReqID       term.Term // the request reference
	GroupLeader term.Term
	Module      term.Atom
	Function    term.Atom
	Arity       int
	Opts        term.Term // option list
	Args        term.Term // argument list (payload)
	SpawnFlags  int       // reply flags: 1 = link, 2 = monitor
	Result      term.Term // reply: the new pid, or an error atom
}

// SpawnFlag bits of SPAWN_REPLY.
const (
	SpawnFlagLink    = 1
	SpawnFlagMonitor = 2
)

// ParseControl turns a decoded control tuple and its payload (nil when the
// operation has none) into a Signal. It checks arity and element types
// and reports what is wrong, so a malformed message can be logged with
// the peer's name and the connection dropped cleanly.
func ParseControl(ctrl, payload term.Term) (Signal, error) {
	t, ok := ctrl.(term.Tuple)
	if !ok || len(t) == 0 {
		return Signal{}, fmt.Errorf("control message is not a non-empty tuple")
	}
	opInt, ok := t[0].(term.Int)
	if !ok {
		return Signal{}, fmt.Errorf("control message operation is not an integer")
	}
	op := Op(opInt)
	if op.HasPayload() && payload == nil {
		return Signal{}, fmt.Errorf("%s without its payload", op)
	}
	want := func(n int) error {
		if len(t) != n {
			return fmt.Errorf("%s has arity %d, want %d", op, len(t), n)
		}
		return nil
	}
	s := Signal{Op: op}
	var err error
	switch op {
	case OpLink:
		s.Kind = KindLink
		if err = want(3); err == nil {
			s.From, s.To = t[1], t[2]
			err = pids(op, s.From, s.To)
		}
	case OpSend, OpSendTT:
		s.Kind = KindSend
		if op == OpSend {
			err = want(3)
		} else {
			err = want(4)
		}
		if err == nil {
			s.To, s.Msg = t[2], payload
			if op == OpSendTT {
				s.Token = t[3]
			}
			err = pids(op, s.To)
		}
	case OpSendSender, OpSendSenderTT:
		s.Kind = KindSend
		if op == OpSendSender {
			err = want(3)
		} else {
			err = want(4)
		}
		if err == nil {
			s.From, s.To, s.Msg = t[1], t[2], payload
			if op == OpSendSenderTT {
				s.Token = t[3]
			}
			err = pids(op, s.To)
		}
	case OpRegSend, OpRegSendTT:
		s.Kind = KindRegSend
		if op == OpRegSend {
			err = want(4)
		} else {
			err = want(5)
		}
		if err == nil {
			s.From, s.To, s.Msg = t[1], t[3], payload
			if op == OpRegSendTT {
				s.Token = t[4]
			}
			err = atoms(op, s.To)
		}
	case OpAliasSend, OpAliasSendTT:
		s.Kind = KindAliasSend
		if op == OpAliasSend {
			err = want(3)
		} else {
			err = want(4)
		}
		if err == nil {
			s.From, s.To, s.Msg = t[1], t[2], payload
			if op == OpAliasSendTT {
				s.Token = t[3]
			}
			if _, ok := s.To.(term.Ref); !ok {
				err = fmt.Errorf("%s: alias is not a reference", op)
			}
		}
	case OpExit, OpExit2:
		s.Kind = KindExit
		if op == OpExit2 {
			s.Kind = KindExit2
		}
		if err = want(4); err == nil {
			s.From, s.To, s.Reason = t[1], t[2], t[3]
			err = pids(op, s.From, s.To)
		}
	case OpExitTT, OpExit2TT:
		s.Kind = KindExit
		if op == OpExit2TT {
			s.Kind = KindExit2
		}
		if err = want(5); err == nil {
			s.From, s.To, s.Token, s.Reason = t[1], t[2], t[3], t[4]
			err = pids(op, s.From, s.To)
		}
	case OpPayloadExit, OpPayloadExit2:
		s.Kind = KindExit
		if op == OpPayloadExit2 {
			s.Kind = KindExit2
		}
		if err = want(3); err == nil {
			s.From, s.To, s.Reason = t[1], t[2], payload
			err = pids(op, s.From, s.To)
		}
	case OpPayloadExitTT, OpPayloadExit2TT:
		s.Kind = KindExit
		if op == OpPayloadExit2TT {
			s.Kind = KindExit2
		}
		if err = want(4); err == nil {
			s.From, s.To, s.Token, s.Reason = t[1], t[2], t[3], payload
			err = pids(op, s.From, s.To)
		}
	case OpUnlink:
		s.Kind = KindUnlink
		if err = want(3); err == nil {
			s.From, s.To = t[1], t[2]
			err = pids(op, s.From, s.To)
		}
	case OpUnlinkID, OpUnlinkIDAck:
		s.Kind = KindUnlink
		if op == OpUnlinkIDAck {
			s.Kind = KindUnlinkAck
		}
		if err = want(4); err == nil {
			s.ID, s.From, s.To = t[1], t[2], t[3]
			err = pids(op, s.From, s.To)
		}
	case OpNodeLink:
		s.Kind = KindNodeLink
	case OpGroupLeader:
		s.Kind = KindGroupLeader
		if err = want(3); err == nil {
			s.From, s.To = t[1], t[2]
			err = pids(op, s.From, s.To)
		}
	case OpMonitorP, OpDemonitorP:
		s.Kind = KindMonitor
		if op == OpDemonitorP {
			s.Kind = KindDemonitor
		}
		if err = want(4); err == nil {
			s.From, s.To, s.Ref = t[1], t[2], t[3]
			err = pids(op, s.From)
			if err == nil {
				err = pidOrAtom(op, s.To)
			}
			if err == nil {
				err = ref(op, s.Ref)
			}
		}
	case OpMonitorPExit:
		s.Kind = KindDown
		if err = want(5); err == nil {
			s.From, s.To, s.Ref, s.Reason = t[1], t[2], t[3], t[4]
			err = pidOrAtom(op, s.From)
			if err == nil {
				err = pids(op, s.To)
			}
		}
	case OpPayloadMonitorPExit:
		s.Kind = KindDown
		if err = want(4); err == nil {
			s.From, s.To, s.Ref, s.Reason = t[1], t[2], t[3], payload
			err = pidOrAtom(op, s.From)
			if err == nil {
				err = pids(op, s.To)
			}
		}
	case OpSpawnRequest, OpSpawnRequestTT:
		s.Kind = KindSpawnRequest
		if op == OpSpawnRequest {
			err = want(6)
		} else {
			err = want(7)
		}
		if err == nil {
			s.ReqID, s.From, s.GroupLeader, s.Opts, s.Args = t[1], t[2], t[3], t[5], payload
			if op == OpSpawnRequestTT {
				s.Token = t[6]
			}
			err = pids(op, s.From, s.GroupLeader)
			if err == nil {
				s.Module, s.Function, s.Arity, err = mfa(op, t[4])
			}
		}
	case OpSpawnReply, OpSpawnReplyTT:
		s.Kind = KindSpawnReply
		if op == OpSpawnReply {
			err = want(5)
		} else {
			err = want(6)
		}
		if err == nil {
			s.ReqID, s.To, s.Result = t[1], t[2], t[4]
			if op == OpSpawnReplyTT {
				s.Token = t[5]
			}
			f, ok := t[3].(term.Int)
			if !ok {
				err = fmt.Errorf("%s: flags are not an integer", op)
			}
			s.SpawnFlags = int(f)
			if err == nil {
				err = pids(op, s.To)
			}
		}
	default:
		return Signal{}, fmt.Errorf("unknown control operation %d", int(op))
	}
	if err != nil {
		return Signal{}, err
	}
	return s, nil
}

func pids(op Op, ts ...term.Term) error {
	for _, t := range ts {
		if _, ok := t.(term.Pid); !ok {
			return fmt.Errorf("%s: expected a pid, got a %s", op, term.KindOf(t))
		}
	}
	return nil
}

func atoms(op Op, ts ...term.Term) error {
	for _, t := range ts {
		if _, ok := t.(term.Atom); !ok {
			return fmt.Errorf("%s: expected an atom, got a %s", op, term.KindOf(t))
		}
	}
	return nil
}

func pidOrAtom(op Op, t term.Term) error {
	switch t.(type) {
	case term.Pid, term.Atom:
		return nil
	}
	return fmt.Errorf("%s: expected a pid or a name, got a %s", op, term.KindOf(t))
}

func ref(op Op, t term.Term) error {
	if _, ok := t.(term.Ref); !ok {
		return fmt.Errorf("%s: expected a reference, got a %s", op, term.KindOf(t))
	}
	return nil
}

func mfa(op Op, t term.Term) (term.Atom, term.Atom, int, error) {
	tp, ok := t.(term.Tuple)
	if !ok || len(tp) != 3 {
		return "", "", 0, fmt.Errorf("%s: MFA is not a 3-tuple", op)
	}
	m, ok1 := tp[0].(term.Atom)
	f, ok2 := tp[1].(term.Atom)
	a, ok3 := tp[2].(term.Int)
	if !ok1 || !ok2 || !ok3 || a < 0 || a > 255 {
		return "", "", 0, fmt.Errorf("%s: MFA is not {Module, Function, Arity}", op)
	}
	return m, f, int(a), nil
}

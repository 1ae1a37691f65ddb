package handshake

import (
	"context"
	"crypto/subtle"
	"encoding/binary"
	"fmt"

	"github.com/avmsh/avmsh/node/carrier"
)

// Initiate runs the initiator's side: we connected to the node named
// peer (or, when peer is "", to whichever node answers, e.g. over a serial
// link). OnAlive is consulted when the peer answers `alive` (it believes a
// connection to us is still up): return true to make it replace the old
// connection (we are a new incarnation or the old one is dead), false to
// give up. A nil OnAlive answers true.
func Initiate(ctx context.Context, conn carrier.Conn, cfg Config, peer string, onAlive func() bool) (Peer, error) {
	defer deadline(ctx, conn)()
	addr := linkName(conn)
	fail := func(stage string, err error) (Peer, error) {
		return Peer{}, &Error{Peer: peer, Addr: addr, Stage: stage, Err: err}
	}
	if err := conn.WriteHandshake(sendName(cfg)); err != nil {
		return fail("send_name", err)
	}
	// Our challenge is drawn while the peer answers: the first use of
	// crypto/rand in a process costs 55 µs (issue 16: a one-shot
	// command's start).
	own, err := newChallenge()
	if err != nil {
		return fail("challenge_reply", err)
	}
	msg, err := conn.ReadHandshake()
	if err != nil {
		return fail("status", err)
	}
	if len(msg) < 2 || msg[0] != 's' {
		return fail("status", fmt.Errorf("%w: expected a status ('s'), got %d bytes starting %q", ErrProtocol, len(msg), first(msg)))
	}
	switch st := Status(msg[1:]); st {
	case StatusOK, StatusOKSimultaneous:
	case StatusAlive:
		answer := onAlive == nil || onAlive()
		reply := "sfalse"
		if answer {
			reply = "strue"
		}
		if err := conn.WriteHandshake([]byte(reply)); err != nil {
			return fail("status", err)
		}
		if !answer {
			return Peer{}, &Error{Peer: peer, Addr: addr, Stage: "status", Status: st, Err: fmt.Errorf("%s already has a connection to us", peerText(peer, addr))}
		}
	case StatusNotAllowed:
		return Peer{}, &Error{Peer: peer, Addr: addr, Stage: "status", Status: st, Err: ErrNotAllowed}
	case StatusNOK:
		return Peer{}, &Error{Peer: peer, Addr: addr, Stage: "status", Status: st, Err: fmt.Errorf("%s is already connecting to us (simultaneous connect; its attempt wins)", peerText(peer, addr))}
	default:
		return Peer{}, &Error{Peer: peer, Addr: addr, Stage: "status", Status: st, Err: fmt.Errorf("%w: unknown status", ErrProtocol)}
	}

	msg, err = conn.ReadHandshake()
	if err != nil {
		return fail("challenge", err)
	}
	// 'N', Flags:8, Challenge:4, Creation:4, NLen:2, Name
	if len(msg) < 19 || msg[0] != 'N' {
		return fail("challenge", fmt.Errorf("%w: expected an 'N' challenge of at least 19 bytes, got %d bytes starting %q", ErrProtocol, len(msg), first(msg)))
	}
	flags := Flags(binary.BigEndian.Uint64(msg[1:9]))
	challenge := binary.BigEndian.Uint32(msg[9:13])
	creation := binary.BigEndian.Uint32(msg[13:17])
	nlen := int(binary.BigEndian.Uint16(msg[17:19]))
	if 19+nlen > len(msg) {
		return fail("challenge", fmt.Errorf("%w: name length %d exceeds the %d bytes left", ErrProtocol, nlen, len(msg)-19))
	}
	name := string(msg[19 : 19+nlen])
	if peer == "" {
		// The caller does not know who is on the other end (a serial
		// link): take the name the peer gives, once it is well-formed.
		if err := validName(name); err != nil {
			return fail("challenge", fmt.Errorf("%w: %v", ErrProtocol, err))
		}
		peer = name
	} else if name != peer {
		return fail("challenge", &NameMismatchError{Dialled: peer, Reached: name})
	}
	if err := checkFlags(peer, flags, cfg.Required); err != nil {
		return fail("challenge", err)
	}
	cookie := cfg.Cookie(peer)
	d := Digest(cookie, challenge)
	reply := make([]byte, 0, 21)
	reply = append(reply, 'r')
	reply = binary.BigEndian.AppendUint32(reply, own)
	reply = append(reply, d[:]...)
	if err := conn.WriteHandshake(reply); err != nil {
		return fail("challenge_reply", err)
	}
	// An AtomVM node whose net_kernel crashed and was restarted has
	// lost the cookie its application set with net_kernel:set_cookie/1
	// (AtomVM 0.6–0.8 crash it at a tick when two peers are connected:
	// docs/distribution.md); CookieError says so.
	msg, err = conn.ReadHandshake()
	if err != nil {
		// OTP closes without a word when our digest is wrong, so a close
		// here almost always means the cookies differ.
		return fail("challenge_ack", &CookieError{Peer: peer, Closed: true, AtomVM: flags.IsAtomVM(), Cause: err})
	}
	if len(msg) != 17 || msg[0] != 'a' {
		return fail("challenge_ack", fmt.Errorf("%w: expected a 17-byte 'a' ack, got %d bytes", ErrProtocol, len(msg)))
	}
	want := Digest(cookie, own)
	if subtle.ConstantTimeCompare(msg[1:], want[:]) != 1 {
		return fail("challenge_ack", &CookieError{Peer: peer, AtomVM: flags.IsAtomVM()})
	}
	return Peer{Name: name, Flags: flags, Creation: creation}, nil
}

// Decide chooses the status for an incoming send_name; the node
// implements it with its connection table (ok, ok_simultaneous, nok,
// alive or not_allowed).
type Decide func(peer Peer) Status

// Accept runs the responder's side on an accepted connection. When decide
// returns StatusAlive, the initiator's answer is passed to onAliveAnswer
// (true: replace the old connection) before the handshake goes on.
func Accept(ctx context.Context, conn carrier.Conn, cfg Config, decide Decide, onAliveAnswer func(peer string, replace bool)) (Peer, error) {
	defer deadline(ctx, conn)()
	addr := linkName(conn)
	fail := func(stage string, err error) (Peer, error) {
		return Peer{}, &Error{Addr: addr, Stage: stage, Err: err}
	}
	msg, err := conn.ReadHandshake()
	if err != nil {
		return fail("send_name", err)
	}
	// 'N', Flags:8, Creation:4, NLen:2, Name
	if len(msg) < 15 || msg[0] != 'N' {
		if len(msg) > 0 && msg[0] == 'n' {
			return fail("send_name", fmt.Errorf("%w: the peer uses the pre-OTP-23 handshake ('n'); avmsh needs OTP 23 or later", ErrProtocol))
		}
		return fail("send_name", fmt.Errorf("%w: expected an 'N' send_name of at least 15 bytes, got %d bytes starting %q", ErrProtocol, len(msg), first(msg)))
	}
	peer := Peer{
		Flags:    Flags(binary.BigEndian.Uint64(msg[1:9])),
		Creation: binary.BigEndian.Uint32(msg[9:13]),
	}
	nlen := int(binary.BigEndian.Uint16(msg[13:15]))
	if 15+nlen > len(msg) {
		return fail("send_name", fmt.Errorf("%w: name length %d exceeds the %d bytes left", ErrProtocol, nlen, len(msg)-15))
	}
	peer.Name = string(msg[15 : 15+nlen])
	if err := validName(peer.Name); err != nil {
		_ = conn.WriteHandshake([]byte("s" + StatusNotAllowed))
		return fail("send_name", fmt.Errorf("%w: %v", ErrProtocol, err))
	}
	if err := checkFlags(peer.Name, peer.Flags, cfg.Required); err != nil {
		_ = conn.WriteHandshake([]byte("s" + StatusNotAllowed))
		return Peer{}, &Error{Peer: peer.Name, Addr: addr, Stage: "send_name", Status: StatusNotAllowed, Err: err}
	}
	status := decide(peer)
	if err := conn.WriteHandshake([]byte("s" + status)); err != nil {
		return fail("status", err)
	}
	switch status {
	case StatusOK, StatusOKSimultaneous:
	case StatusAlive:
		ans, err := conn.ReadHandshake()
		if err != nil {
			return fail("status", err)
		}
		replace := string(ans) == "strue"
		if onAliveAnswer != nil {
			onAliveAnswer(peer.Name, replace)
		}
		if !replace {
			return Peer{}, &Error{Peer: peer.Name, Addr: addr, Stage: "status", Status: status, Err: fmt.Errorf("the peer kept its existing connection")}
		}
	default:
		return Peer{}, &Error{Peer: peer.Name, Addr: addr, Stage: "status", Status: status}
	}
	challenge, err := newChallenge()
	if err != nil {
		return fail("challenge", err)
	}
	if err := conn.WriteHandshake(challengeMsg(cfg, challenge)); err != nil {
		return fail("challenge", err)
	}
	msg, err = conn.ReadHandshake()
	if err != nil {
		return Peer{}, &Error{Peer: peer.Name, Addr: addr, Stage: "challenge_reply", Err: err}
	}
	if len(msg) != 21 || msg[0] != 'r' {
		return Peer{}, &Error{Peer: peer.Name, Addr: addr, Stage: "challenge_reply", Err: fmt.Errorf("%w: expected a 21-byte 'r' reply, got %d bytes", ErrProtocol, len(msg))}
	}
	theirs := binary.BigEndian.Uint32(msg[1:5])
	cookie := cfg.Cookie(peer.Name)
	want := Digest(cookie, challenge)
	if subtle.ConstantTimeCompare(msg[5:21], want[:]) != 1 {
		return Peer{}, &Error{Peer: peer.Name, Addr: addr, Stage: "challenge_reply", Err: &CookieError{Peer: peer.Name, AtomVM: peer.Flags.IsAtomVM()}}
	}
	ack := Digest(cookie, theirs)
	if err := conn.WriteHandshake(append([]byte{'a'}, ack[:]...)); err != nil {
		return Peer{}, &Error{Peer: peer.Name, Addr: addr, Stage: "challenge_ack", Err: err}
	}
	return peer, nil
}

// peerText names the peer in a message: its name, or its link.
func peerText(peer, addr string) string {
	if peer != "" {
		return peer
	}
	return "the node over " + addr
}

func first(b []byte) string {
	if len(b) > 8 {
		b = b[:8]
	}
	return string(b)
}

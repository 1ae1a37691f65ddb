package handshake

import (
	"context"
	"crypto/md5"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/avmsh/avmsh/node/carrier"
)

// Status is the responder's answer to a send_name.
type Status string

// Handshake statuses (erl_dist_protocol, "recv_status").
const (
	StatusOK             Status = "ok"
	StatusOKSimultaneous Status = "ok_simultaneous"
	StatusNOK            Status = "nok"
	StatusNotAllowed     Status = "not_allowed"
	StatusAlive          Status = "alive"
)

// DefaultTimeout bounds a whole handshake, like OTP's net_setuptime (7 s).
const DefaultTimeout = 7 * time.Second

// Config describes our side of a handshake.
type Config struct {
	// Name is our full node name, e.g. "avmsh@localhost".
	Name string
	// Flags are the flags we advertise.
	Flags Flags
	// Creation is our creation (non-zero).
	Creation uint32
	// Cookie returns the cookie to use with peer (per-node cookies). It
	// must not be nil.
	Cookie func(peer string) string
	// Required are the flags the peer must have; missing ones fail the
	// handshake with an error naming them.
	Required Flags
}

// Peer describes the other side after a successful handshake.
type Peer struct {
	Name     string
	Flags    Flags
	Creation uint32
}

// Error is a failed handshake.
type Error struct {
	// Peer is the other node's name, or "" while it is not known (an
	// incoming connection before its send_name, or a dial over a serial
	// link, where the handshake tells the name).
	Peer string
	// Addr names the link ("tcp 127.0.0.1:4370", "serial /dev/ttyUSB0");
	// the message uses it when Peer is not known.
	Addr  string
	Stage string // "send_name", "status", "challenge", "challenge_reply", "challenge_ack"
	// Status is the peer's status when it refused us ("nok", ...).
	Status Status
	Err    error
}

func (e *Error) Error() string {
	var b strings.Builder
	switch {
	case e.Peer != "":
		fmt.Fprintf(&b, "handshake with %s failed at %s", e.Peer, e.Stage)
	case e.Addr != "":
		fmt.Fprintf(&b, "handshake over %s failed at %s", e.Addr, e.Stage)
	default:
		fmt.Fprintf(&b, "handshake failed at %s", e.Stage)
	}
	if e.Status != "" {
		fmt.Fprintf(&b, " (status %s)", e.Status)
	}
	if e.Err != nil {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// linkName names conn's link for errors: "tcp 127.0.0.1:4370".
func linkName(conn carrier.Conn) string {
	i := conn.Info()
	if i.Remote == "" {
		return i.Transport
	}
	return i.Transport + " " + i.Remote
}

// Sentinel causes, matched with errors.Is. Their text says what happened,
// not which flag or file of a program to change: callers add that.
var (
	// ErrBadCookie: the nodes' cookies differ (the failure is a
	// *CookieError, which matches it). The message never contains a
	// cookie.
	ErrBadCookie = errors.New("authentication failed: the cookies differ")
	// ErrNotAllowed: the peer refused us (flags or name not allowed).
	ErrNotAllowed = errors.New("the peer refused the connection (not_allowed): it may require distribution flags we lack, or reject our name")
	// ErrMissingFlags: the peer lacks flags we require.
	ErrMissingFlags = errors.New("the peer lacks required distribution flags")
	// ErrProtocol: a malformed or unexpected handshake message.
	ErrProtocol = errors.New("handshake protocol error")
	// ErrNameMismatch: the responder's name differs from the one we dialled.
	ErrNameMismatch = errors.New("the node that answered has a different name")
)

// NameMismatchError: the node that answered a dial has another name
// than the one dialled (its challenge names it, erl_dist_protocol,
// "Distribution Handshake": recv_challenge), e.g. a node registered
// under a short name in epmd that runs with a long one. It matches
// ErrNameMismatch with errors.Is.
type NameMismatchError struct {
	// Dialled is the name the connection was made for.
	Dialled string
	// Reached is the name the peer sent: untrusted text from the peer,
	// at most a handshake message long; not checked to be a node name.
	Reached string
}

func (e *NameMismatchError) Error() string {
	reached := e.Reached
	if strings.ContainsFunc(reached, func(r rune) bool { return !unicode.IsPrint(r) }) {
		reached = strconv.Quote(reached) // control characters from the peer shown, not obeyed
	}
	return fmt.Sprintf("%v: dialled %s, reached %s", ErrNameMismatch, e.Dialled, reached)
}

// Is makes errors.Is(err, ErrNameMismatch) hold.
func (e *NameMismatchError) Is(target error) bool { return target == ErrNameMismatch }

// CookieError is a failed authentication: the challenge digests show the
// two nodes use different cookies (erl_dist_protocol, "Distribution
// Handshake": recv_challenge_reply, recv_challenge_ack). It matches
// ErrBadCookie with errors.Is. It never holds a cookie.
type CookieError struct {
	// Peer is the other node's name.
	Peer string
	// Closed is set when the peer closed the connection after our
	// challenge reply, which is how OTP refuses a digest made with
	// another cookie; otherwise a digest it sent did not match ours.
	Closed bool
	// AtomVM is set when the peer is an AtomVM node, whose net_kernel
	// loses a cookie set at run time when it restarts.
	AtomVM bool
	// Cause is the read error that ended the connection when Closed.
	Cause error
}

func (e *CookieError) Error() string {
	var b strings.Builder
	if e.Closed {
		fmt.Fprintf(&b, "the cookies differ: %s did not accept ours (it closed the connection after our challenge reply)", e.Peer)
	} else {
		fmt.Fprintf(&b, "the cookies differ: the digest from %s was made with another cookie", e.Peer)
	}
	if e.AtomVM {
		b.WriteString("; if this AtomVM node accepted this cookie before, its net_kernel restarted and lost it (docs/distribution.md)")
	}
	return b.String()
}

// Is makes errors.Is(err, ErrBadCookie) true for a *CookieError.
func (e *CookieError) Is(target error) bool { return target == ErrBadCookie }

// Unwrap returns the read error of a Closed connection.
func (e *CookieError) Unwrap() error { return e.Cause }

// Digest returns MD5(cookie ++ decimal(challenge)), the handshake digest.
func Digest(cookie string, challenge uint32) [16]byte {
	return md5.Sum([]byte(cookie + strconv.FormatUint(uint64(challenge), 10)))
}

func newChallenge() (uint32, error) {
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		return 0, err
	}
	return binary.BigEndian.Uint32(b[:]), nil
}

// deadline applies ctx's deadline (or DefaultTimeout) to conn and returns
// a function that clears it.
func deadline(ctx context.Context, conn carrier.Conn) func() {
	d, ok := ctx.Deadline()
	if !ok {
		d = time.Now().Add(DefaultTimeout)
	}
	_ = conn.SetReadDeadline(d)
	_ = conn.SetWriteDeadline(d)
	stop := context.AfterFunc(ctx, func() {
		// Wake blocked reads and writes when ctx is cancelled.
		_ = conn.SetReadDeadline(time.Unix(1, 0))
		_ = conn.SetWriteDeadline(time.Unix(1, 0))
	})
	return func() {
		stop()
		_ = conn.SetReadDeadline(time.Time{})
		_ = conn.SetWriteDeadline(time.Time{})
	}
}

func sendName(cfg Config) []byte {
	msg := make([]byte, 0, 15+len(cfg.Name))
	msg = append(msg, 'N')
	msg = binary.BigEndian.AppendUint64(msg, uint64(cfg.Flags))
	msg = binary.BigEndian.AppendUint32(msg, cfg.Creation)
	msg = binary.BigEndian.AppendUint16(msg, uint16(len(cfg.Name)))
	return append(msg, cfg.Name...)
}

func challengeMsg(cfg Config, challenge uint32) []byte {
	msg := make([]byte, 0, 19+len(cfg.Name))
	msg = append(msg, 'N')
	msg = binary.BigEndian.AppendUint64(msg, uint64(cfg.Flags))
	msg = binary.BigEndian.AppendUint32(msg, challenge)
	msg = binary.BigEndian.AppendUint32(msg, cfg.Creation)
	msg = binary.BigEndian.AppendUint16(msg, uint16(len(cfg.Name)))
	return append(msg, cfg.Name...)
}

// validName checks a peer node name: ASCII "alive@host", one '@', both
// parts non-empty, at most 255 bytes.
func validName(name string) error {
	if len(name) == 0 || len(name) > 255 {
		return fmt.Errorf("node name of %d bytes", len(name))
	}
	for i := 0; i < len(name); i++ {
		if name[i] < 0x21 || name[i] > 0x7e {
			return fmt.Errorf("node name %q has a non-printable or non-ASCII byte", name)
		}
	}
	alive, host, ok := strings.Cut(name, "@")
	if !ok || alive == "" || host == "" || strings.Contains(host, "@") {
		return fmt.Errorf("node name %q is not alive@host", name)
	}
	return nil
}

func checkFlags(peer string, got, required Flags) error {
	if got&NameMe != 0 {
		return fmt.Errorf("%w: %s asks for a dynamic name (NAME_ME), which avmsh does not assign", ErrMissingFlags, peer)
	}
	if missing := required &^ got; missing != 0 {
		return fmt.Errorf("%w: %s lacks %s", ErrMissingFlags, peer, missing)
	}
	return nil
}

package handshake

import (
	"context"
	"encoding/hex"
	"errors"
	"net"
	"strings"
	"testing"

	"github.com/avmsh/avmsh/node/carrier"
)

func TestDigestVector(t *testing.T) {
	// ../shared/spec/atomvm-dist.md §1.6.
	d := Digest("AtomVM", 1234567890)
	if got := hex.EncodeToString(d[:]); got != "132260eb1584afe1e7a466572e861e1b" {
		t.Fatalf("digest %s", got)
	}
}

func TestFlags(t *testing.T) {
	if !Default.Has(AtomVMFlags) {
		t.Fatalf("Default lacks AtomVM's required flags: %s", AtomVMFlags&^Default)
	}
	if !Default.Has(Mandatory26) {
		t.Fatal("Default lacks OTP 26 mandatory flags")
	}
	if Default&NameMe != 0 || Default&Published != 0 {
		t.Fatal("Default must not set NAME_ME or PUBLISHED")
	}
	if !AtomVMFlags.IsAtomVM() || Default.IsAtomVM() {
		t.Fatal("IsAtomVM")
	}
	if s := (Published | Handshake23).String(); s != "PUBLISHED|HANDSHAKE_23" {
		t.Fatal(s)
	}
	if s := (Alias | 1<<15 | 1<<63).String(); s != "0x8000|ALIAS|0x8000000000000000" {
		t.Fatal(s)
	}
}

// TestFlagNames: every flag is named by its bit (flagNames is indexed
// by bit number), with OTP's names (erl_dist_protocol, "Distribution
// Flags").
func TestFlagNames(t *testing.T) {
	for f, want := range map[Flags]string{
		Published:          "PUBLISHED",
		AtomCache:          "ATOM_CACHE",
		ExtendedReferences: "EXTENDED_REFERENCES",
		DistMonitor:        "DIST_MONITOR",
		FunTags:            "FUN_TAGS",
		DistMonitorName:    "DIST_MONITOR_NAME",
		HiddenAtomCache:    "HIDDEN_ATOM_CACHE",
		NewFunTags:         "NEW_FUN_TAGS",
		ExtendedPidsPorts:  "EXTENDED_PIDS_PORTS",
		ExportPtrTag:       "EXPORT_PTR_TAG",
		BitBinaries:        "BIT_BINARIES",
		NewFloats:          "NEW_FLOATS",
		UnicodeIO:          "UNICODE_IO",
		DistHdrAtomCache:   "DIST_HDR_ATOM_CACHE",
		SmallAtomTags:      "SMALL_ATOM_TAGS",
		UTF8Atoms:          "UTF8_ATOMS",
		MapTag:             "MAP_TAG",
		BigCreation:        "BIG_CREATION",
		SendSender:         "SEND_SENDER",
		BigSeqtraceLabels:  "BIG_SEQTRACE_LABELS",
		ExitPayload:        "EXIT_PAYLOAD",
		Fragments:          "FRAGMENTS",
		Handshake23:        "HANDSHAKE_23",
		UnlinkID:           "UNLINK_ID",
		Mandatory25Digest:  "MANDATORY_25_DIGEST",
		Spawn:              "SPAWN",
		NameMe:             "NAME_ME",
		V4NC:               "V4_NC",
		Alias:              "ALIAS",
	} {
		if got := f.String(); got != want {
			t.Errorf("%#x: %q, want %q", uint64(f), got, want)
		}
	}
}

func pair(t *testing.T) (carrier.Conn, carrier.Conn) {
	a, b := net.Pipe()
	t.Cleanup(func() { a.Close(); b.Close() })
	return carrier.NewStreamConn(a, "tcp", 0), carrier.NewStreamConn(b, "tcp", 0)
}

func cfg(name, cookie string) Config {
	return Config{Name: name, Flags: Default, Creation: 42, Cookie: func(string) string { return cookie }, Required: Required}
}

func run(t *testing.T, ic, ac Config, decide Decide) (Peer, error, Peer, error) {
	a, b := pair(t)
	type res struct {
		p   Peer
		err error
	}
	ch := make(chan res, 1)
	go func() {
		p, err := Accept(context.Background(), b, ac, decide, nil)
		if err != nil {
			b.Close()
		}
		ch <- res{p, err}
	}()
	p, err := Initiate(context.Background(), a, ic, ac.Name, nil)
	if err != nil {
		a.Close()
	}
	r := <-ch
	return p, err, r.p, r.err
}

func TestHandshakeOK(t *testing.T) {
	ok := func(Peer) Status { return StatusOK }
	ip, ierr, ap, aerr := run(t, cfg("a@h", "c"), cfg("b@h", "c"), ok)
	if ierr != nil || aerr != nil {
		t.Fatalf("initiator %v, acceptor %v", ierr, aerr)
	}
	if ip.Name != "b@h" || ap.Name != "a@h" || ap.Creation != 42 || ip.Flags != Default {
		t.Fatalf("peers %+v %+v", ip, ap)
	}
}

func TestHandshakeBadCookie(t *testing.T) {
	ok := func(Peer) Status { return StatusOK }
	_, ierr, _, aerr := run(t, cfg("a@h", "c1"), cfg("b@h", "c2"), ok)
	if !errors.Is(aerr, ErrBadCookie) {
		t.Fatalf("acceptor: %v", aerr)
	}
	if ierr == nil {
		t.Fatal("initiator succeeded with a bad cookie")
	}
	for _, e := range []error{ierr, aerr} {
		for _, c := range []string{"c1", "c2"} {
			if containsWord(e.Error(), c) {
				t.Fatalf("cookie leaked in error: %v", e)
			}
		}
	}
}

func containsWord(s, w string) bool {
	for i := 0; i+len(w) <= len(s); i++ {
		if s[i:i+len(w)] == w && (i+len(w) == len(s) || s[i+len(w)] == ' ' || s[i+len(w)] == ')') && (i == 0 || s[i-1] == ' ') {
			return true
		}
	}
	return false
}

func TestHandshakeStatuses(t *testing.T) {
	for _, st := range []Status{StatusNOK, StatusNotAllowed} {
		_, ierr, _, aerr := run(t, cfg("a@h", "c"), cfg("b@h", "c"), func(Peer) Status { return st })
		var he *Error
		if !errors.As(ierr, &he) || he.Status != st || aerr == nil {
			t.Fatalf("%s: initiator %v acceptor %v", st, ierr, aerr)
		}
	}
	// alive → initiator answers true → handshake completes.
	_, ierr, _, aerr := run(t, cfg("a@h", "c"), cfg("b@h", "c"), func(Peer) Status { return StatusAlive })
	if ierr != nil || aerr != nil {
		t.Fatalf("alive: %v %v", ierr, aerr)
	}
}

func TestHandshakeMissingFlags(t *testing.T) {
	ic := cfg("a@h", "c")
	ic.Flags = Default &^ UTF8Atoms
	_, ierr, _, aerr := run(t, ic, cfg("b@h", "c"), func(Peer) Status { return StatusOK })
	if !errors.Is(aerr, ErrMissingFlags) || !errors.Is(ierr, ErrNotAllowed) {
		t.Fatalf("initiator %v, acceptor %v", ierr, aerr)
	}
}

func TestHandshakeNameMismatch(t *testing.T) {
	a, b := pair(t)
	go func() {
		_, _ = Accept(context.Background(), b, cfg("other@h", "c"), func(Peer) Status { return StatusOK }, nil)
		b.Close()
	}()
	_, err := Initiate(context.Background(), a, cfg("a@h", "c"), "b@h", nil)
	var nm *NameMismatchError
	if !errors.Is(err, ErrNameMismatch) || !errors.As(err, &nm) || nm.Dialled != "b@h" || nm.Reached != "other@h" {
		t.Fatalf("got %v", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "dialled b@h, reached other@h") {
		t.Fatalf("message %q", msg)
	}
	// A name with control characters is quoted in the message.
	e := &NameMismatchError{Dialled: "b@h", Reached: "x\x1b]0;t\a@h"}
	if msg := e.Error(); strings.ContainsAny(msg, "\x1b\a") || !strings.Contains(msg, `"x\x1b]0;t\a@h"`) {
		t.Fatalf("control characters: %q", msg)
	}
}

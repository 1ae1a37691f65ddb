package devices

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/avmsh/avmsh/node"
	"github.com/avmsh/avmsh/node/rpc"
	"github.com/avmsh/avmsh/node/serialdist"
	"github.com/avmsh/avmsh/node/serialnode"
	"github.com/avmsh/avmsh/vm/term"
)

// DeepConfig configures NodeProbe.
type DeepConfig struct {
	// Cookie is the node's cookie. AtomVM has no cookie file: it is
	// whatever the board's code passes to net_kernel:set_cookie.
	Cookie string
	// Name is the probing node's name (default: a random hidden name
	// like avmsh_probe_1a2b3c4d@serial.local).
	Name string
	// Timeout bounds the handshake and the calls (0: 10 s).
	Timeout time.Duration
	// Logger receives the probing node's logs (nil: discarded).
	Logger *slog.Logger
}

// NodeProbe returns the deep probe that ProbeOptions.Deep takes: a
// temporary hidden node handshakes through the port, learns the peer's
// node name, and asks it erlang:system_info(machine) through erpc
// (a SPAWN_REQUEST of erpc:execute_call/4, the only thing safe to spawn
// on AtomVM): "ATOM" for AtomVM, "BEAM", or "AVMSH" for another avmsh.
// It also asks the version (atomvm_version, otp_release or version), and
// leaves it out if that fails. The link is torn down afterwards.
func NodeProbe(cfg DeepConfig) DeepProbe {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return func(ctx context.Context, p *serialdist.Port) (*NodeInfo, error) {
		ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
		defer cancel()
		name := cfg.Name
		if name == "" {
			var b [4]byte
			_, _ = rand.Read(b[:])
			name = "avmsh_probe_" + hex.EncodeToString(b[:]) + "@" + serialdist.NodeHost
		}
		n, err := node.Start(ctx, node.Config{Name: name, Cookie: cfg.Cookie, ListenAddr: "-", SetupTime: cfg.Timeout, Logger: cfg.Logger})
		if err != nil {
			return nil, fmt.Errorf("deep probe of %s: %w", p.Name(), err)
		}
		defer n.Stop()
		peer, err := n.ConnectVia(ctx, serialnode.PortDialer(p), serialdist.Address{Device: p.Name(), Options: p.Options()}.String(), "")
		if err != nil {
			return nil, fmt.Errorf("deep probe of %s: %w", p.Name(), err)
		}
		info := &NodeInfo{Name: string(peer)}
		call := func(key term.Atom) (string, error) {
			v, err := rpc.Call(ctx, n, peer, "erlang", "system_info", []term.Term{key}, rpc.Options{})
			if err != nil {
				return "", err
			}
			s, ok := text(v)
			if !ok {
				return "", fmt.Errorf("erlang:system_info(%s) on %s returned %v", key, peer, v)
			}
			return s, nil
		}
		if info.Machine, err = call("machine"); err != nil {
			return info, fmt.Errorf("deep probe of %s: %w", p.Name(), err)
		}
		key := map[string]term.Atom{"ATOM": "atomvm_version", "BEAM": "otp_release"}[info.Machine]
		if key == "" {
			key = "version"
		}
		if v, err := call(key); err == nil {
			info.Version = v
		}
		return info, nil
	}
}

// text reads a string term: a charlist or a binary.
func text(v term.Term) (string, bool) {
	switch v := v.(type) {
	case term.Binary:
		return string(v), true
	case term.List, term.Chars:
		n, _ := term.ListLen(v)
		b := make([]rune, 0, n)
		for _, e := range term.ListElems(v) {
			c, ok := e.(term.Int)
			if !ok || c < 0 || c > 0x10FFFF {
				return "", false
			}
			b = append(b, rune(c))
		}
		return string(b), true
	}
	return "", false
}

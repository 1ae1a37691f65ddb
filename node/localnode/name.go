package localnode

import (
	"encoding/binary"
	"encoding/hex"
	"math/rand/v2"
	"net"
	"strings"

	"github.com/avmsh/avmsh/node"
	"github.com/avmsh/avmsh/node/serialdist"
)

// NameModeFor is the naming mode that fits a peer on host: long names
// for a dotted host or an IP address, short names otherwise (the rule
// erl_call follows when neither -name nor -sname is given).
func NameModeFor(host string) node.NameMode {
	if strings.Contains(host, ".") || net.ParseIP(host) != nil {
		return node.LongNames
	}
	return node.ShortNames
}

// OwnName builds a node's own full name, as erl does for -sname and
// -name: name is "alive@host" (checked and kept), "alive" (completed
// with this machine's host name in mode), or empty for a random name
// "avmsh_<8 hex digits>". peerHost is the host of the node it talks to
// first ("" for none): with long names, a peer on a loopback address or
// over a serial line (serialdist.NodeHost) gives its host to a name that
// has none, so that the peer can reach the node back under that name.
func OwnName(name string, mode node.NameMode, peerHost string) (string, error) {
	if name == "" {
		name = RandomName("avmsh_")
	}
	if !strings.Contains(name, "@") && mode == node.LongNames {
		if ip := net.ParseIP(peerHost); ip != nil && ip.IsLoopback() || peerHost == serialdist.NodeHost {
			name += "@" + peerHost
		}
	}
	return node.MakeNodeName(name, mode, nil)
}

// RandomName is prefix followed by 8 random hex digits. A name is not a
// secret: the digits come from math/rand/v2, whose generator Go seeds
// at start-up. (crypto/rand's first use costs a one-shot command 55 µs;
// the handshake's challenge pays it while the peer answers: issue 16.)
func RandomName(prefix string) string {
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], rand.Uint32())
	return prefix + hex.EncodeToString(b[:])
}

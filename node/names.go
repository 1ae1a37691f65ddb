package node

import (
	"fmt"
	"net"
	"os"
	"strings"
)

// NameMode is Erlang's naming mode.
type NameMode int

const (
	// ShortNames (-sname): the host part is a plain host name.
	ShortNames NameMode = iota
	// LongNames (-name): the host part is a fully qualified name or an IP
	// address.
	LongNames
)

// MakeNodeName builds a full node name like erl does for -sname / -name:
// "foo" becomes foo@<host> (the short host name, or the FQDN / an IP for
// long names); a name with an '@' is checked and returned. lookupHost is
// injectable for tests (os.Hostname when nil).
func MakeNodeName(name string, mode NameMode, hostname func() (string, error)) (string, error) {
	if hostname == nil {
		hostname = os.Hostname
	}
	alive, host, hasHost := strings.Cut(name, "@")
	if alive == "" {
		return "", fmt.Errorf("node name %q has an empty name part", name)
	}
	if err := checkAlive(alive); err != nil {
		return "", err
	}
	if !hasHost {
		h, err := hostname()
		if err != nil {
			return "", fmt.Errorf("node name %q has no host part and the host name is unknown: %w (use name@host)", name, err)
		}
		host = h
		if mode == ShortNames {
			host, _, _ = strings.Cut(h, ".")
		} else if !strings.Contains(h, ".") {
			if fq := fqdn(h); fq != "" {
				host = fq
			} else {
				host = "127.0.0.1"
			}
		}
	}
	if host == "" || strings.Contains(host, "@") {
		return "", fmt.Errorf("node name %q has a bad host part", name)
	}
	isIP := net.ParseIP(host) != nil
	switch mode {
	case ShortNames:
		if strings.Contains(host, ".") && !isIP {
			return "", &NameModeError{Name: alive + "@" + host, Mode: mode}
		}
	case LongNames:
		if !strings.Contains(host, ".") && !isIP && !strings.Contains(host, ":") {
			return "", &NameModeError{Name: alive + "@" + host, Mode: mode}
		}
	}
	return alive + "@" + host, nil
}

// NameModeError: a node name whose host does not suit the naming mode
// (as erl checks -sname and -name): a dotted host that is no IP address
// with short names, a plain host with long names. Programs say how to
// choose the other mode in their own terms.
type NameModeError struct {
	Name string // alive@host
	Mode NameMode
}

func (e *NameModeError) Error() string {
	if e.Mode == ShortNames {
		return fmt.Sprintf("node name %s has a dotted host, which short names do not allow (long names do)", e.Name)
	}
	alive, _, _ := strings.Cut(e.Name, "@")
	return fmt.Sprintf("node name %s: long names need a fully qualified host or an IP address (e.g. %s@127.0.0.1); short names take a plain host", e.Name, alive)
}

func checkAlive(alive string) error {
	if len(alive) > 255 {
		return fmt.Errorf("node name part %q is longer than 255 bytes", alive)
	}
	for _, r := range alive {
		if !(r == '_' || r == '-' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9')) {
			return fmt.Errorf("node name part %q may only hold letters, digits, '_' and '-'", alive)
		}
	}
	return nil
}

func fqdn(host string) string {
	addrs, err := net.LookupHost(host)
	if err != nil || len(addrs) == 0 {
		return ""
	}
	names, err := net.LookupAddr(addrs[0])
	if err != nil {
		return ""
	}
	for _, n := range names {
		n = strings.TrimSuffix(n, ".")
		if strings.Contains(n, ".") {
			return n
		}
	}
	return ""
}

// SplitNodeName returns the alive and host parts of a node name.
func SplitNodeName(node string) (alive, host string, err error) {
	alive, host, ok := strings.Cut(node, "@")
	if !ok || alive == "" || host == "" {
		return "", "", fmt.Errorf("%q is not a node name (want name@host)", node)
	}
	return alive, host, nil
}

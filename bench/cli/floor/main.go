package main

import (
	"bytes"
	"crypto/md5"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Flags: what OTP 25 and 26 require of a hidden peer (erl_dist_protocol,
// "Distribution Flags").
const flags = 0x4 | 0x10 | 0x100 | 0x10000 | 0x80 | 0x40000 | 0x800 | 0x20000 | 0x200 | 0x400 |
	0x1000000 | 0x2000000 | 1<<34

func main() {
	if len(os.Args) != 2 {
		fail(errors.New("usage: floor NODE"))
	}
	out, err := run(os.Args[1])
	if err != nil {
		fail(err)
	}
	os.Stdout.WriteString(out + "\n")
}

func fail(err error) {
	os.Stderr.WriteString("floor: " + err.Error() + "\n")
	os.Exit(3)
}

func run(target string) (string, error) {
	alive, host, ok := strings.Cut(target, "@")
	if !ok {
		h, err := os.Hostname()
		if err != nil {
			return "", err
		}
		host, _, _ = strings.Cut(h, ".")
	}
	cookie, err := readCookie()
	if err != nil {
		return "", err
	}
	deadline := time.Now().Add(10 * time.Second)
	port, err := portPlease(host, alive, deadline)
	if err != nil {
		return "", err
	}
	c, err := net.DialTimeout("tcp", net.JoinHostPort(host, strconv.Itoa(port)), time.Until(deadline))
	if err != nil {
		return "", err
	}
	defer c.Close()
	_ = c.SetDeadline(deadline)
	self := "floor_" + strconv.FormatInt(time.Now().UnixNano()&0xffffff, 16) + "@" + host
	if err := handshake(c, self, cookie); err != nil {
		return "", err
	}
	return call(c, self, alive+"@"+host)
}

func readCookie() (string, error) {
	if c := os.Getenv("AVMSH_COOKIE"); c != "" {
		return c, nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", err
	}
	b, err := os.ReadFile(filepath.Join(home, ".erlang.cookie"))
	return strings.TrimSpace(string(b)), err
}

// portPlease asks host's epmd for alive's port (PORT_PLEASE2_REQ).
func portPlease(host, alive string, deadline time.Time) (int, error) {
	port := "4369"
	if p := os.Getenv("ERL_EPMD_PORT"); p != "" {
		port = p
	}
	c, err := net.DialTimeout("tcp", net.JoinHostPort(host, port), time.Until(deadline))
	if err != nil {
		return 0, err
	}
	defer c.Close()
	_ = c.SetDeadline(deadline)
	req := binary.BigEndian.AppendUint16(nil, uint16(1+len(alive)))
	req = append(append(req, 122), alive...)
	if _, err := c.Write(req); err != nil {
		return 0, err
	}
	var resp [4]byte
	if _, err := io.ReadFull(c, resp[:]); err != nil {
		return 0, err
	}
	if resp[0] != 119 || resp[1] != 0 {
		return 0, errors.New(alive + " is not registered with epmd on " + host)
	}
	return int(binary.BigEndian.Uint16(resp[2:])), nil
}

func handshake(c net.Conn, self, cookie string) error {
	// send_name: 'N', flags, creation, name.
	m := append([]byte{'N'}, binary.BigEndian.AppendUint64(nil, flags)...)
	m = binary.BigEndian.AppendUint32(m, 0)
	m = binary.BigEndian.AppendUint16(m, uint16(len(self)))
	if err := writeMsg(c, append(m, self...)); err != nil {
		return err
	}
	status, err := readMsg(c)
	if err != nil {
		return err
	}
	if !bytes.HasPrefix(status, []byte("sok")) {
		return errors.New("handshake refused: " + string(status))
	}
	ch, err := readMsg(c) // 'N', flags(8), challenge(4), creation(4), nlen(2), name
	if err != nil {
		return err
	}
	if len(ch) < 19 || ch[0] != 'N' {
		return errors.New("bad challenge")
	}
	theirs := binary.BigEndian.Uint32(ch[9:])
	const ours = 0x5eed1e55
	reply := binary.BigEndian.AppendUint32([]byte{'r'}, ours)
	reply = append(reply, digest(cookie, theirs)...)
	if err := writeMsg(c, reply); err != nil {
		return err
	}
	ack, err := readMsg(c)
	if err != nil {
		return err
	}
	if len(ack) != 17 || ack[0] != 'a' || !bytes.Equal(ack[1:], digest(cookie, ours)) {
		return errors.New("bad challenge ack (cookie?)")
	}
	return nil
}

func digest(cookie string, challenge uint32) []byte {
	d := md5.Sum([]byte(cookie + strconv.FormatUint(uint64(challenge), 10)))
	return d[:]
}

func writeMsg(c net.Conn, m []byte) error {
	_, err := c.Write(append(binary.BigEndian.AppendUint16(nil, uint16(len(m))), m...))
	return err
}

func readMsg(c net.Conn) ([]byte, error) {
	var n [2]byte
	if _, err := io.ReadFull(c, n[:]); err != nil {
		return nil, err
	}
	m := make([]byte, binary.BigEndian.Uint16(n[:]))
	_, err := io.ReadFull(c, m)
	return m, err
}

// call sends {Self, {call, erlang, node, [], user}} to rex and returns
// the atom of the {rex, Atom} reply.
func call(c net.Conn, self, peer string) (string, error) {
	pid := func(b []byte) []byte {
		b = atom(append(b, 88), self)
		b = binary.BigEndian.AppendUint32(b, 1)
		b = binary.BigEndian.AppendUint32(b, 0)
		return binary.BigEndian.AppendUint32(b, 0)
	}
	p := []byte{0, 0, 0, 0, 112, 131, 104, 4, 97, 6} // REG_SEND
	p = atom(atom(pid(p), ""), "rex")
	p = append(p, 131, 104, 2)
	p = append(pid(p), 104, 5)
	p = atom(atom(atom(p, "call"), "erlang"), "node")
	p = atom(append(p, 106), "user")
	binary.BigEndian.PutUint32(p, uint32(len(p)-4))
	if _, err := c.Write(p); err != nil {
		return "", err
	}
	for {
		var n [4]byte
		if _, err := io.ReadFull(c, n[:]); err != nil {
			return "", err
		}
		m := make([]byte, binary.BigEndian.Uint32(n[:]))
		if _, err := io.ReadFull(c, m); err != nil {
			return "", err
		}
		// The reply's message ends in SMALL_ATOM_UTF8_EXT(rex) then the
		// result atom: find "rex" and read the atom after it.
		i := bytes.LastIndex(m, []byte{119, 3, 'r', 'e', 'x'})
		if i < 0 || i+7 > len(m) {
			continue // a tick or something else
		}
		r := m[i+5:]
		if (r[0] == 119 || r[0] == 115) && int(r[1])+2 <= len(r) {
			return string(r[2 : 2+int(r[1])]), nil
		}
		return "", errors.New("unexpected reply to " + peer)
	}
}

func atom(b []byte, a string) []byte {
	return append(append(b, 119, byte(len(a))), a...)
}

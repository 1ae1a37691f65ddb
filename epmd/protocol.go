package epmd

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// DefaultPort is epmd's well-known TCP port.
const DefaultPort = 4369

// Node types announced in ALIVE2_REQ.
const (
	// NodeTypeNormal is a normal Erlang node ('M').
	NodeTypeNormal byte = 77
	// NodeTypeHidden is a hidden node or C node ('H').
	NodeTypeHidden byte = 72
)

// ProtocolTCP is the only distribution protocol epmd knows: TCP/IP.
const ProtocolTCP byte = 0

// DistVersion is the distribution protocol version avmsh speaks (OTP 23+).
const DistVersion uint16 = 6

// Request and response tags.
const (
	tagAlive2Req   byte = 'x' // 120
	tagAlive2Resp  byte = 'y' // 121, 16-bit creation
	tagAlive2XResp byte = 'v' // 118, 32-bit creation
	tagPort2Req    byte = 'z' // 122
	tagPort2Resp   byte = 'w' // 119
	tagNamesReq    byte = 'n' // 110
	tagDumpReq     byte = 'd' // 100
	tagKillReq     byte = 'k' // 107
	tagStopReq     byte = 's' // 115
)

// Limits taken from OTP's epmd_int.h.
const (
	// MaxNameBytes is the longest node name in bytes (255 characters of
	// up to 4 UTF-8 bytes each).
	MaxNameBytes = 255 * 4
	// MaxNameChars is the longest node name in characters.
	MaxNameChars = 255
	// MaxExtraBytes is the longest Extra field epmd stores.
	MaxExtraBytes = 255 * 4
	// inbufSize is OTP's input buffer: a request (with its 2-byte
	// length) must be shorter than this.
	inbufSize = 3 * MaxNameBytes
	// MaxRequestLen is the largest request body (after the 2-byte
	// length) the server accepts, like OTP's epmd.
	MaxRequestLen = inbufSize - 3
)

// NodeInfo is what a node registers with epmd and what a lookup returns.
type NodeInfo struct {
	// Name is the alive part of the node name (before '@'), UTF-8.
	Name string
	// Port is the node's distribution listen port.
	Port uint16
	// NodeType is NodeTypeNormal or NodeTypeHidden (0 means normal when
	// registering).
	NodeType byte
	// Protocol is ProtocolTCP.
	Protocol byte
	// HighestVersion and LowestVersion bound the distribution versions
	// the node speaks (0 means DistVersion when registering).
	HighestVersion uint16
	LowestVersion  uint16
	// Extra is opaque data stored with the registration.
	Extra []byte
}

// Hidden reports whether the node registered as hidden.
func (n NodeInfo) Hidden() bool { return n.NodeType == NodeTypeHidden }

// NameEntry is one line of a NAMES answer.
type NameEntry struct {
	Name string
	Port int
}

// Request is a parsed epmd request: one of *AliveRequest, *PortRequest,
// *NamesRequest, *DumpRequest, *KillRequest, *StopRequest.
type Request interface{ requestTag() byte }

// AliveRequest is ALIVE2_REQ: register a node.
type AliveRequest struct{ NodeInfo }

// PortRequest is PORT_PLEASE2_REQ: look up a name.
type PortRequest struct{ Name string }

// NamesRequest is NAMES_REQ.
type NamesRequest struct{}

// DumpRequest is DUMP_REQ (a debugging listing).
type DumpRequest struct{}

// KillRequest is KILL_REQ: stop epmd.
type KillRequest struct{}

// StopRequest is STOP_REQ: forcibly unregister a name.
type StopRequest struct{ Name string }

func (*AliveRequest) requestTag() byte { return tagAlive2Req }
func (*PortRequest) requestTag() byte  { return tagPort2Req }
func (*NamesRequest) requestTag() byte { return tagNamesReq }
func (*DumpRequest) requestTag() byte  { return tagDumpReq }
func (*KillRequest) requestTag() byte  { return tagKillReq }
func (*StopRequest) requestTag() byte  { return tagStopReq }

// RequestError says why a request body is malformed. OTP's epmd closes
// the connection without an answer in these cases, and so does Server.
type RequestError struct {
	// Tag is the request's first byte.
	Tag byte
	// Offset is where in the body the problem is.
	Offset int
	Msg    string
}

func (e *RequestError) Error() string {
	return fmt.Sprintf("epmd request %s: %s (at byte %d of the body)", tagName(e.Tag), e.Msg, e.Offset)
}

func tagName(t byte) string {
	switch t {
	case tagAlive2Req:
		return "ALIVE2_REQ"
	case tagPort2Req:
		return "PORT_PLEASE2_REQ"
	case tagNamesReq:
		return "NAMES_REQ"
	case tagDumpReq:
		return "DUMP_REQ"
	case tagKillReq:
		return "KILL_REQ"
	case tagStopReq:
		return "STOP_REQ"
	}
	return "tag " + strconv.Itoa(int(t))
}

// ParseRequest parses one request body (the bytes after the 2-byte
// length) with the same structural checks as OTP's epmd. Name validity
// for registration (length, UTF-8, duplicates) is the server's decision
// and answered with an error result, not a parse error.
func ParseRequest(body []byte) (Request, error) {
	if len(body) == 0 {
		return nil, &RequestError{Msg: "empty request"}
	}
	tag := body[0]
	switch tag {
	case tagAlive2Req:
		return parseAlive(body)
	case tagPort2Req:
		name := body[1:]
		if n := len(name); n > 0 && name[n-1] == 0 {
			name = name[:n-1]
		}
		if len(name) == 0 {
			return nil, &RequestError{Tag: tag, Offset: 1, Msg: "no node name"}
		}
		if i := bytes.IndexByte(name, 0); i >= 0 {
			return nil, &RequestError{Tag: tag, Offset: 1 + i, Msg: "node name contains a NUL byte"}
		}
		if !validName(name) {
			return nil, &RequestError{Tag: tag, Offset: 1, Msg: "node name is not 1 to 255 characters of UTF-8"}
		}
		return &PortRequest{Name: string(name)}, nil
	case tagNamesReq:
		return &NamesRequest{}, nil
	case tagDumpReq:
		return &DumpRequest{}, nil
	case tagKillReq:
		return &KillRequest{}, nil
	case tagStopReq:
		if len(body) <= 1 {
			return nil, &RequestError{Tag: tag, Offset: 1, Msg: "no node name"}
		}
		name := body[1:]
		if i := bytes.IndexByte(name, 0); i >= 0 { // a C string
			name = name[:i]
		}
		return &StopRequest{Name: string(name)}, nil
	}
	return nil, &RequestError{Tag: tag, Msg: "unknown request"}
}

func parseAlive(body []byte) (*AliveRequest, error) {
	if len(body) <= 13 {
		return nil, &RequestError{Tag: tagAlive2Req, Offset: len(body), Msg: fmt.Sprintf("too short (%d bytes, need at least 14)", len(body))}
	}
	r := &AliveRequest{NodeInfo{
		Port:           binary.BigEndian.Uint16(body[1:]),
		NodeType:       body[3],
		Protocol:       body[4],
		HighestVersion: binary.BigEndian.Uint16(body[5:]),
		LowestVersion:  binary.BigEndian.Uint16(body[7:]),
	}}
	nameLen := int(binary.BigEndian.Uint16(body[9:]))
	if nameLen+13 > len(body) {
		return nil, &RequestError{Tag: tagAlive2Req, Offset: 9, Msg: fmt.Sprintf("name length %d runs past the end (%d bytes)", nameLen, len(body))}
	}
	name := body[11 : 11+nameLen]
	extraLen := int(binary.BigEndian.Uint16(body[11+nameLen:]))
	if extraLen+nameLen+13 > len(body) {
		return nil, &RequestError{Tag: tagAlive2Req, Offset: 11 + nameLen, Msg: fmt.Sprintf("extra length %d runs past the end (%d bytes)", extraLen, len(body))}
	}
	if i := bytes.IndexByte(name, 0); i >= 0 {
		return nil, &RequestError{Tag: tagAlive2Req, Offset: 11 + i, Msg: "node name contains a NUL byte"}
	}
	r.Name = string(name)
	if extraLen > 0 {
		r.Extra = bytes.Clone(body[13+nameLen : 13+nameLen+extraLen])
	}
	return r, nil
}

// validName reports whether name is acceptable to epmd: valid UTF-8 of
// 1 to 255 characters and at most MaxNameBytes bytes.
func validName[T string | []byte](name T) bool {
	if len(name) == 0 || len(name) > MaxNameBytes {
		return false
	}
	var n int
	switch v := any(name).(type) {
	case string:
		if !utf8.ValidString(v) {
			return false
		}
		n = utf8.RuneCountInString(v)
	case []byte:
		if !utf8.Valid(v) {
			return false
		}
		n = utf8.RuneCount(v)
	}
	return n <= MaxNameChars
}

// AppendRequest appends req with its 2-byte length header to dst.
func AppendRequest(dst []byte, req Request) ([]byte, error) {
	start := len(dst)
	dst = append(dst, 0, 0, req.requestTag())
	switch r := req.(type) {
	case *AliveRequest:
		if len(r.Name) > 0xffff || len(r.Extra) > 0xffff {
			return dst[:start], fmt.Errorf("epmd: ALIVE2_REQ for %q: name or extra longer than 65535 bytes", r.Name)
		}
		dst = binary.BigEndian.AppendUint16(dst, r.Port)
		dst = append(dst, r.NodeType, r.Protocol)
		dst = binary.BigEndian.AppendUint16(dst, r.HighestVersion)
		dst = binary.BigEndian.AppendUint16(dst, r.LowestVersion)
		dst = binary.BigEndian.AppendUint16(dst, uint16(len(r.Name)))
		dst = append(dst, r.Name...)
		dst = binary.BigEndian.AppendUint16(dst, uint16(len(r.Extra)))
		dst = append(dst, r.Extra...)
	case *PortRequest:
		dst = append(dst, r.Name...)
	case *StopRequest:
		dst = append(dst, r.Name...)
		if r.Name == "" {
			dst = append(dst, 0) // OTP's epmd needs at least one byte
		}
	case *NamesRequest, *DumpRequest, *KillRequest:
	default:
		return dst[:start], fmt.Errorf("epmd: cannot encode request %T", req)
	}
	n := len(dst) - start - 2
	if n > 0xffff {
		return dst[:start], fmt.Errorf("epmd: %s is %d bytes, longer than the 65535 the length field allows", tagName(req.requestTag()), n)
	}
	binary.BigEndian.PutUint16(dst[start:], uint16(n))
	return dst, nil
}

// appendPort2Resp appends a successful PORT2_RESP for n.
func appendPort2Resp(dst []byte, n *NodeInfo) []byte {
	dst = append(dst, tagPort2Resp, 0)
	dst = binary.BigEndian.AppendUint16(dst, n.Port)
	dst = append(dst, n.NodeType, n.Protocol)
	dst = binary.BigEndian.AppendUint16(dst, n.HighestVersion)
	dst = binary.BigEndian.AppendUint16(dst, n.LowestVersion)
	dst = binary.BigEndian.AppendUint16(dst, uint16(len(n.Name)))
	dst = append(dst, n.Name...)
	dst = binary.BigEndian.AppendUint16(dst, uint16(len(n.Extra)))
	return append(dst, n.Extra...)
}

// appendNameLine appends one NAMES line exactly as OTP's epmd prints it.
func appendNameLine(dst []byte, name string, port uint16) []byte {
	dst = append(dst, "name "...)
	dst = append(dst, name...)
	dst = append(dst, " at port "...)
	dst = strconv.AppendUint(dst, uint64(port), 10)
	return append(dst, '\n')
}

// ParseNames parses the text of a NAMES answer (after the 4-byte port):
// lines "name <Name> at port <Port>". It fails on a malformed line,
// naming the line.
func ParseNames(text []byte) ([]NameEntry, error) {
	var out []NameEntry
	line := 0
	for len(text) > 0 {
		line++
		var l []byte
		if i := bytes.IndexByte(text, '\n'); i >= 0 {
			l, text = text[:i], text[i+1:]
		} else {
			l, text = text, nil
		}
		if len(l) == 0 {
			continue
		}
		rest, ok := bytes.CutPrefix(l, []byte("name "))
		i := bytes.LastIndex(rest, []byte(" at port "))
		if !ok || i < 0 {
			return out, fmt.Errorf("names line %d %q: want \"name <Name> at port <Port>\"", line, clip(l))
		}
		port, err := strconv.ParseUint(string(rest[i+len(" at port "):]), 10, 16)
		if err != nil {
			return out, fmt.Errorf("names line %d %q: bad port: %w", line, clip(l), err)
		}
		out = append(out, NameEntry{Name: string(rest[:i]), Port: int(port)})
	}
	return out, nil
}

func clip(b []byte) []byte {
	if len(b) > 80 {
		return b[:80]
	}
	return b
}

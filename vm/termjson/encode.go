package termjson

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/avmsh/avmsh/vm/syntax"
	"github.com/avmsh/avmsh/vm/term"
)

// maxSafeInt is the largest integer every JSON reader (IEEE doubles)
// keeps exactly; larger integers are written as {"$int": "..."}.
const maxSafeInt = 1<<53 - 1

// Marshal returns the JSON form of t. It fails only for floats that are
// NaN or infinite, which Erlang does not have.
func Marshal(t term.Term) ([]byte, error) {
	e := encoder{}
	e.term(t)
	if e.err != nil {
		return nil, e.err
	}
	return e.buf, nil
}

// MarshalIndent is Marshal with indentation, as json.MarshalIndent.
func MarshalIndent(t term.Term, prefix, indent string) ([]byte, error) {
	b, err := Marshal(t)
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	if err := json.Indent(&out, b, prefix, indent); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

type encoder struct {
	buf []byte
	err error
}

// str writes s (valid UTF-8) as a JSON string, escaping only what JSON
// requires.
func (e *encoder) str(s string) {
	const hexDigits = "0123456789abcdef"
	e.buf = append(e.buf, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		e.buf = append(e.buf, s[start:i]...)
		switch c {
		case '"', '\\':
			e.buf = append(e.buf, '\\', c)
		case '\n':
			e.buf = append(e.buf, '\\', 'n')
		case '\r':
			e.buf = append(e.buf, '\\', 'r')
		case '\t':
			e.buf = append(e.buf, '\\', 't')
		default:
			e.buf = append(e.buf, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&15])
		}
		start = i + 1
	}
	e.buf = append(e.buf, s[start:]...)
	e.buf = append(e.buf, '"')
}

// wrap writes {"$tag": and calls body for the value.
func (e *encoder) wrap(tag string, body func()) {
	e.buf = append(e.buf, `{"`...)
	e.buf = append(e.buf, tag...)
	e.buf = append(e.buf, `":`...)
	body()
	e.buf = append(e.buf, '}')
}

func (e *encoder) array(ts []term.Term) {
	e.buf = append(e.buf, '[')
	for i, t := range ts {
		if i > 0 {
			e.buf = append(e.buf, ',')
		}
		e.term(t)
	}
	e.buf = append(e.buf, ']')
}

// atomString writes an atom as a JSON string; atoms are UTF-8 text.
func (e *encoder) atomString(a term.Atom) {
	if !utf8.ValidString(string(a)) {
		e.fail("atom %q is not valid UTF-8", string(a))
		return
	}
	e.str(string(a))
}

func (e *encoder) fail(format string, args ...any) {
	if e.err == nil {
		e.err = errorf("", format, args...)
	}
}

func (e *encoder) term(t term.Term) {
	switch v := t.(type) {
	case nil:
		e.buf = append(e.buf, "[]"...)
	case term.Atom:
		switch v {
		case "true", "false", "null":
			e.buf = append(e.buf, v...)
		default:
			e.atomString(v)
		}
	case term.Int:
		if v > maxSafeInt || v < -maxSafeInt {
			e.wrap("$int", func() { e.str(strconv.FormatInt(int64(v), 10)) })
			return
		}
		e.buf = strconv.AppendInt(e.buf, int64(v), 10)
	case term.BigInt:
		e.wrap("$int", func() { e.str(v.V.String()) })
	case term.Float:
		f := float64(v)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			e.fail("float %v has no Erlang (or JSON) form", f)
			return
		}
		e.buf = syntax.AppendFloat(e.buf, f)
	case term.Binary:
		if utf8.Valid(v) {
			e.wrap("$bin", func() { e.str(string(v)) })
		} else {
			e.wrap("$bin64", func() { e.str(base64.StdEncoding.EncodeToString(v)) })
		}
	case term.Bitstring:
		e.wrap("$bits", func() {
			e.buf = append(e.buf, '[')
			e.buf = strconv.AppendInt(e.buf, int64(v.BitSize()), 10)
			e.buf = append(e.buf, ',')
			e.str(base64.StdEncoding.EncodeToString(v.Data))
			e.buf = append(e.buf, ']')
		})
	case term.List:
		if s, ok := textList(v); ok {
			e.wrap("$str", func() { e.str(s) })
			return
		}
		e.array(v)
	case term.Chars:
		e.term(v.List())
	case term.ImproperList:
		e.wrap("$improper", func() {
			e.buf = append(e.buf, '[')
			e.array(v.Elems)
			e.buf = append(e.buf, ',')
			e.term(v.Tail)
			e.buf = append(e.buf, ']')
		})
	case term.Tuple:
		e.wrap("$tuple", func() { e.array(v) })
	case term.Map:
		e.mapTerm(v)
	case term.Pid:
		e.wrap("$pid", func() {
			e.buf = append(e.buf, `{"node":`...)
			e.atomString(v.Node)
			e.buf = append(e.buf, `,"id":`...)
			e.buf = strconv.AppendUint(e.buf, uint64(v.ID), 10)
			e.buf = append(e.buf, `,"serial":`...)
			e.buf = strconv.AppendUint(e.buf, uint64(v.Serial), 10)
			e.creation(v.Creation)
		})
	case term.Port:
		e.wrap("$port", func() {
			e.buf = append(e.buf, `{"node":`...)
			e.atomString(v.Node)
			e.buf = append(e.buf, `,"id":`...)
			if v.ID > maxSafeInt {
				e.str(strconv.FormatUint(v.ID, 10))
			} else {
				e.buf = strconv.AppendUint(e.buf, v.ID, 10)
			}
			e.creation(v.Creation)
		})
	case term.Ref:
		e.wrap("$ref", func() {
			e.buf = append(e.buf, `{"node":`...)
			e.atomString(v.Node)
			e.buf = append(e.buf, `,"ids":[`...)
			for i, w := range v.IDs() {
				if i > 0 {
					e.buf = append(e.buf, ',')
				}
				e.buf = strconv.AppendUint(e.buf, uint64(w), 10)
			}
			e.buf = append(e.buf, ']')
			e.creation(v.Creation)
		})
	case term.ExportFun:
		e.wrap("$fun", func() {
			e.buf = append(e.buf, `{"module":`...)
			e.atomString(v.Module)
			e.buf = append(e.buf, `,"function":`...)
			e.atomString(v.Function)
			e.buf = append(e.buf, `,"arity":`...)
			e.buf = strconv.AppendUint(e.buf, uint64(v.Arity), 10)
			e.buf = append(e.buf, '}')
		})
	case *term.Fun:
		e.localFun(v)
	case term.LocalExt:
		e.wrap("$localext", func() { e.str(base64.StdEncoding.EncodeToString([]byte(v.Bytes))) })
	default:
		e.fail("unsupported term type %T", t)
	}
}

func (e *encoder) creation(c uint32) {
	e.buf = append(e.buf, `,"creation":`...)
	e.buf = strconv.AppendUint(e.buf, uint64(c), 10)
	e.buf = append(e.buf, '}')
}

func (e *encoder) localFun(f *term.Fun) {
	if f.Local != nil {
		e.fail("fun %s/%d is a shell closure and has no external form", f.Module, f.Arity)
		return
	}
	e.wrap("$localfun", func() {
		e.buf = append(e.buf, `{"module":`...)
		e.atomString(f.Module)
		e.buf = append(e.buf, `,"arity":`...)
		e.buf = strconv.AppendUint(e.buf, uint64(f.Arity), 10)
		e.buf = append(e.buf, `,"uniq":"`...)
		e.buf = append(e.buf, hex.EncodeToString(f.Uniq[:])...)
		e.buf = append(e.buf, `","index":`...)
		e.buf = strconv.AppendUint(e.buf, uint64(f.Index), 10)
		e.buf = append(e.buf, `,"old_index":`...)
		e.buf = strconv.AppendInt(e.buf, int64(f.OldIndex), 10)
		e.buf = append(e.buf, `,"old_uniq":`...)
		e.buf = strconv.AppendInt(e.buf, int64(f.OldUniq), 10)
		e.buf = append(e.buf, `,"pid":`...)
		e.term(f.Pid)
		e.buf = append(e.buf, `,"free":`...)
		e.array(f.Free)
		e.buf = append(e.buf, '}')
	})
}

// mapTerm writes a map as a plain object (all keys atoms not starting
// with '$'), as {"$binmap": {...}} (all keys UTF-8 binaries) or as
// {"$map": [[K, V], ...]}.
func (e *encoder) mapTerm(m term.Map) {
	pairs := m.Pairs()
	atoms, bins := true, len(pairs) > 0
	for _, kv := range pairs {
		a, ok := kv.Key.(term.Atom)
		if !ok || strings.HasPrefix(string(a), "$") {
			atoms = false
		}
		b, ok := kv.Key.(term.Binary)
		if !ok || !utf8.Valid(b) {
			bins = false
		}
	}
	object := func(key func(term.Term) string) {
		e.buf = append(e.buf, '{')
		for i, kv := range pairs {
			if i > 0 {
				e.buf = append(e.buf, ',')
			}
			e.str(key(kv.Key))
			e.buf = append(e.buf, ':')
			e.term(kv.Value)
		}
		e.buf = append(e.buf, '}')
	}
	switch {
	case atoms:
		object(func(k term.Term) string { return string(k.(term.Atom)) })
	case bins:
		e.wrap("$binmap", func() { object(func(k term.Term) string { return string(k.(term.Binary)) }) })
	default:
		e.wrap("$map", func() {
			e.buf = append(e.buf, '[')
			for i, kv := range pairs {
				if i > 0 {
					e.buf = append(e.buf, ',')
				}
				e.buf = append(e.buf, '[')
				e.term(kv.Key)
				e.buf = append(e.buf, ',')
				e.term(kv.Value)
				e.buf = append(e.buf, ']')
			}
			e.buf = append(e.buf, ']')
		})
	}
}

// textList reports whether a non-empty list is printable Unicode text
// (io_lib:printable_unicode_list/1), written as {"$str": "..."}.
func textList(l term.List) (string, bool) {
	if len(l) == 0 {
		return "", false
	}
	rs := make([]rune, len(l))
	for i, e := range l {
		c, ok := e.(term.Int)
		if !ok {
			return "", false
		}
		switch {
		case c >= ' ' && c <= '~', c >= 0xA0 && c < 0xD800, c > 0xDFFF && c < 0xFFFE, c > 0xFFFF && c <= 0x10FFFF:
		case c == '\n', c == '\r', c == '\t', c == '\v', c == '\b', c == '\f', c == 0x1B:
		default:
			return "", false
		}
		rs[i] = rune(c)
	}
	return string(rs), true
}

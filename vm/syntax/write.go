package syntax

import (
	"strconv"
	"unicode/utf8"

	"github.com/avmsh/avmsh/vm/term"
)

// Write returns t as io_lib:format("~w", [T]) prints it (or "~tw" with
// Encoding Unicode, "~W" with a Depth). Line options are ignored.
func Write(t term.Term, o Options) string { return string(AppendWrite(nil, t, o)) }

// AppendWrite appends Write(t, o) to dst. Its cost is linear in the size
// of the output.
func AppendWrite(dst []byte, t term.Term, o Options) []byte {
	w := writer{o: &o}
	return w.write(dst, t, o.depth())
}

type writer struct{ o *Options }

func appendUint(dst []byte, v uint64) []byte { return strconv.AppendUint(dst, v, 10) }

// write is io_lib:write1/3. d is the remaining depth, -1 for unlimited.
func (w *writer) write(dst []byte, t term.Term, d int) []byte {
	if d == 0 {
		return append(dst, "..."...)
	}
	switch v := t.(type) {
	case nil:
		return append(dst, "[]"...)
	case term.Int, term.BigInt:
		return appendInteger(dst, v)
	case term.Float:
		return AppendFloat(dst, float64(v))
	case term.Atom:
		return AppendAtom(dst, v, w.o.Encoding)
	case term.Pid, term.Port, term.Ref, *term.Fun, term.ExportFun, term.LocalExt:
		return w.appendIdent(dst, v)
	case term.Binary:
		return appendBinary(dst, v, 0, 0, d)
	case term.Bitstring:
		if len(v.Data) == 0 {
			return append(dst, "<<>>"...)
		}
		return appendBinary(dst, v.Data[:len(v.Data)-1], v.Data[len(v.Data)-1]>>(8-v.Bits), int(v.Bits), d)
	case term.List:
		if len(v) == 0 {
			return append(dst, "[]"...)
		}
		return w.writeList(dst, v, nil, d)
	case term.ImproperList:
		return w.writeList(dst, v.Elems, v.Tail, d)
	case term.Chars:
		return w.write(dst, v.List(), d)
	case term.Tuple:
		if len(v) == 0 {
			return append(dst, "{}"...)
		}
		if d == 1 {
			return append(dst, "{...}"...)
		}
		dst = append(dst, '{')
		dst = w.write(dst, v[0], d-1)
		dd := d - 1
		for _, e := range v[1:] {
			if dd == 1 {
				dst = append(dst, ",..."...)
				break
			}
			dst = append(dst, ',')
			dst = w.write(dst, e, dd-1)
			dd--
		}
		return append(dst, '}')
	case term.Map:
		return w.writeMap(dst, v, d)
	}
	return append(dst, "<?>"...)
}

// writeList writes [E1,...,En|Tail] (tail nil for a proper list).
func (w *writer) writeList(dst []byte, elems []term.Term, tail term.Term, d int) []byte {
	if d == 1 {
		return append(dst, "[...]"...)
	}
	dst = append(dst, '[')
	dst = w.write(dst, elems[0], d-1)
	dd := d - 1
	for _, e := range elems[1:] {
		if dd == 1 {
			return append(dst, "|...]"...)
		}
		dst = append(dst, ',')
		dst = w.write(dst, e, dd-1)
		dd--
	}
	if tail != nil {
		if dd == 1 {
			return append(dst, "|...]"...)
		}
		dst = append(dst, '|')
		dst = w.write(dst, tail, dd-1)
	}
	return append(dst, ']')
}

// writeMap is io_lib:write_map/3, quirks included: at depth 1 a map
// prints as #{}, and when the depth runs out ",..." is written even if
// no association is left.
func (w *writer) writeMap(dst []byte, m term.Map, d int) []byte {
	if d == 1 || m.Len() == 0 {
		return append(dst, "#{}"...)
	}
	pairs := MapOrder(m)
	d0 := d - 1
	dst = append(dst, '#', '{')
	dst = w.write(dst, pairs[0].Key, d0)
	dst = append(dst, " => "...)
	dst = w.write(dst, pairs[0].Value, d0)
	dd := d0
	for _, p := range pairs[1:] {
		if dd == 1 {
			break
		}
		dst = append(dst, ',')
		dst = w.write(dst, p.Key, d0)
		dst = append(dst, " => "...)
		dst = w.write(dst, p.Value, d0)
		dd--
	}
	if dd == 1 {
		dst = append(dst, ",..."...)
	}
	return append(dst, '}')
}

// MapOrder returns the associations of m in the order OTP 25 prints and
// iterates them. For maps of up to 32 keys that is map-key order, which
// term.Map keeps. Larger maps are hash maps in OTP, iterated in the
// order of an internal hash; this package prints them in map-key order
// too (a documented difference).
func MapOrder(m term.Map) []term.KV { return m.Pairs() }

// appendBinary is io_lib:write_binary/2: whole bytes of data, then bits
// trailing bits holding value tail.
func appendBinary(dst []byte, data []byte, tail byte, bits int, d int) []byte {
	dst = append(dst, '<', '<')
	for i, b := range data {
		if d == 1 {
			return append(dst, "...>>"...)
		}
		dst = appendByteDecimal(dst, b)
		if i < len(data)-1 || bits > 0 {
			dst = append(dst, ',')
		}
		d--
	}
	if bits > 0 {
		if d == 1 {
			return append(dst, "...>>"...)
		}
		dst = strconv.AppendUint(dst, uint64(tail), 10)
		dst = append(dst, ':')
		dst = strconv.AppendUint(dst, uint64(bits), 10)
	}
	return append(dst, '>', '>')
}

// appendByteDecimal appends the decimal text of b (no table: a table
// would be built when the program starts, for every avmsh command).
func appendByteDecimal(dst []byte, b byte) []byte {
	switch {
	case b >= 100:
		return append(dst, '0'+b/100, '0'+b/10%10, '0'+b%10)
	case b >= 10:
		return append(dst, '0'+b/10, '0'+b%10)
	}
	return append(dst, '0'+b)
}

// appendIdent writes pids, ports, refs and funs.
func (w *writer) appendIdent(dst []byte, t term.Term) []byte {
	nc := &w.o.Node
	switch v := t.(type) {
	case term.Pid:
		dst = append(dst, '<')
		dst = nc.appendNodePart(dst, v.Node, v.Creation)
		dst = append(dst, '.')
		dst = appendUint(dst, uint64(v.ID))
		dst = append(dst, '.')
		dst = appendUint(dst, uint64(v.Serial))
		return append(dst, '>')
	case term.Port:
		dst = append(dst, "#Port<"...)
		dst = nc.appendNodePart(dst, v.Node, v.Creation)
		dst = append(dst, '.')
		dst = appendUint(dst, v.ID)
		return append(dst, '>')
	case term.Ref:
		dst = append(dst, "#Ref<"...)
		dst = nc.appendNodePart(dst, v.Node, v.Creation)
		ids := v.IDs()
		for i := len(ids) - 1; i >= 0; i-- {
			dst = append(dst, '.')
			dst = appendUint(dst, uint64(ids[i]))
		}
		return append(dst, '>')
	case *term.Fun:
		// erlang:fun_to_list/1 of OTP 25: the module name's UTF-8 bytes
		// unquoted, each byte one character.
		dst = append(dst, "#Fun<"...)
		for i := 0; i < len(v.Module); i++ {
			dst = utf8.AppendRune(dst, rune(v.Module[i]))
		}
		dst = append(dst, '.')
		dst = strconv.AppendInt(dst, int64(v.OldIndex), 10)
		dst = append(dst, '.')
		dst = strconv.AppendInt(dst, int64(v.OldUniq), 10)
		return append(dst, '>')
	case term.ExportFun:
		dst = append(dst, "fun "...)
		dst = appendErtsAtom(dst, v.Module)
		dst = append(dst, ':')
		dst = appendErtsAtom(dst, v.Function)
		dst = append(dst, '/')
		return appendUint(dst, uint64(v.Arity))
	case term.LocalExt:
		dst = append(dst, "#LocalExt<"...)
		for i := 0; i < len(v.Bytes); i++ {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendUint(dst, uint64(v.Bytes[i]))
		}
		return append(dst, '>')
	}
	return dst
}

// ertsLatin1Char is the helper of erts's print_atom_name that decides
// quoting: the code point of a one- or two-byte UTF-8 sequence, 'a' for a
// continuation byte and 0 for the start of a longer sequence.
func ertsLatin1Char(c, next byte) int {
	switch {
	case c < 0x80:
		return int(c)
	case c&0xE0 == 0xC0:
		return int(c&0x1F)<<6 | int(next&0x3F)
	case c&0xC0 == 0x80:
		return 'a'
	}
	return 0
}

func ertsLower(c int) bool { return (c >= 'a' && c <= 'z') || (c >= 223 && c <= 255 && c != 247) }

func ertsAlnum(c int) bool {
	return (c >= '0' && c <= '9') || ertsLower(c) || (c >= 'A' && c <= 'Z') || (c >= 192 && c <= 222 && c != 215)
}

// appendErtsAtom writes an atom as the runtime's term printer does (used
// by erlang:fun_to_list/1 for fun M:F/A): no reserved words, '@' needs
// quotes, and the UTF-8 bytes of non-ASCII characters come out one
// character per byte, as OTP 25 does.
func appendErtsAtom(dst []byte, a term.Atom) []byte {
	s := string(a)
	if s == "" {
		return append(dst, "''"...)
	}
	at := func(i int) byte {
		if i < len(s) {
			return s[i]
		}
		return 0
	}
	quote := !ertsLower(ertsLatin1Char(s[0], at(1)))
	for i := 1; !quote && i < len(s); i++ {
		lc := ertsLatin1Char(s[i], at(i+1))
		if !ertsAlnum(lc) && lc != '_' {
			quote = true
		}
	}
	if quote {
		dst = append(dst, '\'')
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '\'':
			dst = append(dst, '\\', '\'')
			continue
		case '\\':
			dst = append(dst, '\\', '\\')
			continue
		case '\n':
			dst = append(dst, '\\', 'n')
			continue
		case '\f':
			dst = append(dst, '\\', 'f')
			continue
		case '\t':
			dst = append(dst, '\\', 't')
			continue
		case '\r':
			dst = append(dst, '\\', 'r')
			continue
		case '\b':
			dst = append(dst, '\\', 'b')
			continue
		case '\v':
			dst = append(dst, '\\', 'v')
			continue
		}
		switch {
		case c < ' ':
			dst = append(dst, '\\', '0'+c>>6&7, '0'+c>>3&7, '0'+c&7)
		case c == 0xC2 && i+1 < len(s) && s[i+1] < 0xA0:
			n := s[i+1]
			dst = append(dst, '\\', '0'+n>>6&7, '0'+n>>3&7, '0'+n&7)
			i++
		default:
			dst = utf8.AppendRune(dst, rune(c))
		}
	}
	if quote {
		dst = append(dst, '\'')
	}
	return dst
}

package shellfmt

import (
	"unicode/utf8"

	"github.com/avmsh/avmsh/vm/erl/eval"
	"github.com/avmsh/avmsh/vm/syntax"
	"github.com/avmsh/avmsh/vm/term"
)

func isAutoBIF(f term.Term, a int) bool {
	at, ok := f.(term.Atom)
	return ok && eval.AutoImported(at, a)
}

// expand is the message of OTP 25's erl_erts_errors:format_error/2 for a
// reason of the BIFs the evaluator runs itself (other modules'
// error_info is resolved through Options.ExtendedError); "" for others.
func expand(reason string) string {
	switch reason {
	case "bad_base":
		return "not an integer in the range 2 through 36"
	case "bad_encode_option":
		return "not one of the atoms: latin1, utf8, or unicode"
	case "bad_option":
		return "invalid option in list"
	case "bad_unicode":
		return "invalid UTF8 encoding"
	case "not_atom":
		return "not an atom"
	case "not_binary":
		return "not a binary"
	case "not_bitstring":
		return "not a bitstring"
	case "not_cons":
		return "not a nonempty list"
	case "not_float":
		return "not a float"
	case "not_integer":
		return "not an integer"
	case "not_iodata":
		return "not an iodata term"
	case "not_iolist":
		return "not an iolist term"
	case "not_list":
		return "not a list"
	case "not_proper_list":
		return "not a proper list"
	case "not_map":
		return "not a map"
	case "not_number":
		return "not a number"
	case "not_pid":
		return "not a pid"
	case "not_string":
		return "not a list of characters"
	case "not_tuple":
		return "not a tuple"
	case "range":
		return "out of range"
	}
	return ""
}

func isInt(t term.Term) bool { return term.IsInteger(t) }

func intOf(t term.Term) (int64, bool) {
	v, ok := t.(term.Int)
	return int64(v), ok
}

func mustBeBinary(t term.Term, otherwise string) string {
	if _, ok := t.(term.Binary); ok {
		return otherwise
	}
	return "not_binary"
}

func mustBeList(t term.Term, otherwise string) string {
	switch t.(type) {
	case term.List, term.Chars:
		return otherwise
	case term.ImproperList:
		return "not_proper_list"
	}
	return "not_list"
}

func mustBeBase(t term.Term) string {
	if n, ok := intOf(t); ok && n >= 2 && n <= 36 {
		return ""
	}
	return "bad_base"
}

func mustBeInt(t term.Term, min int64) string {
	if !isInt(t) {
		return "not_integer"
	}
	if n, ok := intOf(t); ok && n < min {
		return "range"
	}
	if b, ok := t.(term.BigInt); ok && b.V.Sign() < 0 && min >= 0 {
		return "range"
	}
	return ""
}

func mustBeTuple(t term.Term) string {
	if _, ok := t.(term.Tuple); ok {
		return ""
	}
	return "not_tuple"
}

func maybeOptionListError(opts term.Term, prev string) string {
	l := mustBeList(opts, "")
	if prev == "" && l == "" {
		return "bad_option"
	}
	return l
}

// ertsErrors returns the per-argument error atoms (or literal messages
// prefixed with "=") of format_erlang_error/3.
func ertsErrors(f term.Atom, a []term.Term) []string {
	one := func(s string) []string { return []string{s} }
	switch len(a) {
	case 1:
		switch f {
		case "abs", "ceil", "float", "floor", "round", "trunc":
			return one("not_number")
		case "atom_to_binary", "atom_to_list":
			return one("not_atom")
		case "bit_size", "bitstring_to_list", "byte_size":
			return one("not_bitstring")
		case "binary_to_list":
			return one("not_binary")
		case "float_to_binary", "float_to_list":
			return one("not_float")
		case "hd", "tl":
			return one("not_cons")
		case "integer_to_binary", "integer_to_list":
			return one("not_integer")
		case "iolist_size", "iolist_to_binary":
			return one("not_iodata")
		case "length", "list_to_tuple":
			return one("not_list")
		case "list_to_atom":
			return one(mustBeList(a[0], "not_string"))
		case "list_to_binary":
			return one("not_iolist")
		case "list_to_bitstring":
			return one("=not a bitstring list")
		case "list_to_float":
			return listToSomething(a[0], "=not a textual representation of a float")
		case "list_to_integer":
			return listToSomething(a[0], "=not a textual representation of an integer")
		case "binary_to_float":
			return one(mustBeBinary(a[0], "=not a textual representation of a float"))
		case "binary_to_integer":
			return one(mustBeBinary(a[0], "=not a textual representation of an integer"))
		case "binary_to_atom":
			return binaryToAtomErrors(a[0], term.Atom("utf8"))
		case "map_size":
			return one("not_map")
		case "size":
			return one("=not tuple or binary")
		case "tuple_size", "tuple_to_list":
			return one("not_tuple")
		case "node":
			return one("not_pid")
		}
	case 2:
		switch f {
		case "append_element":
			return one("not_tuple")
		case "atom_to_binary":
			var e1, e2 string
			switch {
			case !isAtom(a[0]):
				e1 = "not_atom"
			case a[1] == term.Atom("latin1"):
				e1 = "=contains a character not expressible in latin1"
			}
			switch a[1] {
			case term.Atom("latin1"), term.Atom("unicode"), term.Atom("utf8"):
			default:
				e2 = "=is an invalid encoding option"
			}
			return []string{e1, e2}
		case "binary_to_atom":
			return binaryToAtomErrors(a[0], a[1])
		case "binary_to_integer", "list_to_integer":
			what := mustBeBinary
			if f == "list_to_integer" {
				what = mustBeList
			}
			if b := mustBeBase(a[1]); b != "" {
				return []string{what(a[0], ""), b}
			}
			return one(what(a[0], "=not a textual representation of an integer"))
		case "binary_part":
			pl, ok := a[1].(term.Tuple)
			if ok && len(pl) == 2 && isInt(pl[0]) && isInt(pl[1]) {
				r := ertsErrors("binary_part", []term.Term{a[0], pl[0], pl[1]})
				if len(r) == 3 && r[1] == "" && r[2] == "" {
					return r[:1]
				}
				return []string{r[0], "range"}
			}
			return []string{mustBeBinary(a[0], ""), "=not a valid {Pos,Length} tuple"}
		case "delete_element", "element":
			return elementErrors(a[0], a[1])
		case "float_to_binary", "float_to_list":
			e1 := ""
			if _, ok := a[0].(term.Float); !ok {
				e1 = "not_float"
			}
			return []string{e1, maybeOptionListError(a[1], e1)}
		case "integer_to_binary", "integer_to_list":
			e1 := ""
			if !isInt(a[0]) {
				e1 = "not_integer"
			}
			return []string{e1, mustBeBase(a[1])}
		case "is_function":
			if isInt(a[1]) {
				return []string{"", "range"}
			}
			return []string{"", "not_integer"}
		case "is_map_key":
			return []string{"", "not_map"}
		case "is_record":
			return one("not_atom")
		case "make_tuple":
			return one("range")
		case "map_get":
			if _, ok := a[1].(term.Map); ok {
				return one("=not present in map")
			}
			return []string{"", "not_map"}
		case "split_binary":
			e := []string{mustBeBinary(a[0], ""), mustBeInt(a[1], 0)}
			if e[0] == "" && e[1] == "" {
				b := a[0].(term.Binary)
				if n, ok := intOf(a[1]); !ok || n > int64(len(b)) {
					return []string{"", "range"}
				}
				return nil
			}
			return e
		case "exit":
			return one("not_pid")
		}
	case 3:
		switch f {
		case "setelement", "insert_element":
			return elementErrors(a[0], a[1])
		case "binary_part":
			e := []string{mustBeBinary(a[0], ""), mustBeInt(a[1], 0), mustBeInt(a[2], -1<<62)}
			if e[0] == "" && e[1] == "" && e[2] == "" {
				b := a[0].(term.Binary)
				if n, ok := intOf(a[1]); !ok || n > int64(len(b)) {
					return []string{"", "range"}
				}
				return []string{"", "", "range"}
			}
			return e
		case "binary_to_list":
			e := []string{mustBeBinary(a[0], ""), mustBeInt(a[1], 1), mustBeInt(a[2], 1)}
			if e[0] == "" && e[1] == "" && e[2] == "" {
				b := a[0].(term.Binary)
				s, _ := intOf(a[1])
				t, _ := intOf(a[2])
				if s > t {
					return []string{"", "=start position greater than stop position"}
				}
				var r1, r2 string
				if s > int64(len(b)) {
					r1 = "range"
				}
				if t > int64(len(b)) {
					r2 = "range"
				}
				return []string{"", r1, r2}
			}
			return e
		case "is_record":
			return []string{"", boolStr(!isAtom(a[1]), "not_atom"), boolStr(!isInt(a[2]), "not_integer")}
		case "apply":
			return []string{boolStr(!isAtom(a[0]), "not_atom"), boolStr(!isAtom(a[1]), "not_atom"), mustBeList(a[2], "")}
		}
	}
	return nil
}

func boolStr(c bool, s string) string {
	if c {
		return s
	}
	return ""
}

func isAtom(t term.Term) bool { _, ok := t.(term.Atom); return ok }

func listToSomething(t term.Term, otherwise string) []string {
	if term.IsProperList(t) {
		return []string{otherwise}
	}
	return []string{"not_list"}
}

func elementErrors(idx, tup term.Term) []string {
	var e1 string
	t, isT := tup.(term.Tuple)
	switch {
	case !isInt(idx):
		e1 = "not_integer"
	default:
		n, ok := intOf(idx)
		size := int64(0)
		if isT {
			size = int64(len(t))
		}
		if !ok || n <= 0 || (isT && n > size) {
			e1 = "range"
		}
	}
	return []string{e1, mustBeTuple(tup)}
}

func binaryToAtomErrors(bin, enc term.Term) []string {
	switch enc {
	case term.Atom("latin1"):
		return []string{mustBeBinary(bin, "")}
	case term.Atom("unicode"), term.Atom("utf8"):
		b, ok := bin.(term.Binary)
		if !ok {
			return []string{"not_binary"}
		}
		if !utf8.Valid(b) {
			return []string{"bad_unicode"}
		}
		return []string{"=not an already existing atom"}
	}
	return []string{mustBeBinary(bin, ""), "bad_encode_option"}
}

// ertsFormatError is erl_erts_errors:format_error/2 for frame f.
func ertsFormatError(reason term.Term, f term.Tuple, eim term.Map) ErrorInfo {
	if f[0] != term.Atom("erlang") {
		return ErrorInfo{}
	}
	fn, _ := f[1].(term.Atom)
	args, ok := term.AsList(f[2])
	if !ok || reason == term.Atom("system_limit") {
		return ErrorInfo{}
	}
	errs := ertsErrors(fn, args)
	ei := ErrorInfo{Args: map[int]string{}}
	for i, e := range errs {
		if e == "" {
			continue
		}
		if e[0] == '=' {
			ei.Args[i+1] = e[1:]
		} else {
			ei.Args[i+1] = expand(e)
		}
	}
	return ei
}

// formatBsFail is erl_erts_errors:format_bs_fail/2.
func formatBsFail(reason term.Term, eim term.Map) ErrorInfo {
	c, ok := eim.Get(term.Atom("cause"))
	cause, ok2 := c.(term.Tuple)
	if !ok || !ok2 || len(cause) != 4 {
		return ErrorInfo{}
	}
	seg := cause[0]
	if v, ok := eim.Get(term.Atom("override_segment_position")); ok {
		seg = v
	}
	typ, _ := cause[1].(term.Atom)
	kind, _ := cause[2].(term.Atom)
	val := cause[3]
	var msg string
	switch {
	case reason == term.Atom("system_limit") && typ == "binary" && kind == "binary":
		msg = "the size of the binary/bitstring is too large (exceeding 2147483647 bits)"
	case reason == term.Atom("system_limit") && kind == "size":
		msg = "the size " + syntax.Pretty(val, syntax.Options{}) + " is too large"
	case kind == "invalid" && typ == "float":
		msg = "expected one of the supported sizes 16, 32, or 64 but got: " + syntax.Pretty(val, syntax.Options{})
	case kind == "no_float" && typ == "float":
		msg = "the value " + possiblyTruncated(val) + " is outside the range expressible as a float"
	case kind == "unit" && typ == "binary":
		msg = "the size of the value " + possiblyTruncated(val) + " is not a multiple of the unit for the segment"
	case kind == "short":
		msg = "the value " + possiblyTruncated(val) + " is shorter than the size of the segment"
	case kind == "size":
		msg = "expected a non-negative integer as size but got: " + possiblyTruncated(val)
	case kind == "type":
		var what string
		switch typ {
		case "binary":
			what = " binary"
		case "float":
			what = " float or an integer"
		case "integer":
			what = "n integer"
		default:
			what = " non-negative integer encodable as " + string(typ)
		}
		msg = "expected a" + what + " but got: " + possiblyTruncated(val)
	default:
		return ErrorInfo{}
	}
	return ErrorInfo{
		General: "segment " + syntax.Pretty(seg, syntax.Options{}) + " of type '" + string(typ) + "': " + msg, HasGeneral: true,
		Reason: "construction of binary failed", HasReason: true,
	}
}

func possiblyTruncated(v term.Term) string {
	switch x := v.(type) {
	case term.Int, term.BigInt:
		s := syntax.Write(x, syntax.Options{})
		if len(s) < 48 {
			return s
		}
		return s[:12] + "..." + s[len(s)-12:]
	case term.Binary, term.Bitstring:
		data, n := bitsOfTerm(x)
		size := (n + 7) / 8
		if size < 16 {
			return syntax.Pretty(x, syntax.Options{})
		}
		prefix := syntax.Write(term.Binary(data[:8]), syntax.Options{})
		prefix = prefix[:len(prefix)-2]
		suffixBits := n - (8+size-10)*8
		suffix := syntax.Write(term.NewBitstring(tailBits(data, (8+size-10)*8, suffixBits), uint8(suffixBits%8)), syntax.Options{})
		return prefix + "...," + suffix[2:]
	}
	return syntax.Pretty(v, syntax.Options{Depth: 20})
}

func bitsOfTerm(t term.Term) ([]byte, int) {
	switch b := t.(type) {
	case term.Binary:
		return b, len(b) * 8
	case term.Bitstring:
		return b.Data, b.BitSize()
	}
	return nil, 0
}

// tailBits copies n bits from bit offset off (a whole number of bytes).
func tailBits(data []byte, off, n int) []byte {
	return append([]byte(nil), data[off/8:(off+n+7)/8]...)
}

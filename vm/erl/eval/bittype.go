package eval

import (
	"fmt"
	"strconv"

	"github.com/avmsh/avmsh/vm/erl/parse"
)

// bitType is a resolved segment type (erl_bits's #bittype{}).
type bitType struct {
	typ    string // integer, float, binary, utf8, utf16, utf32
	unit   int
	signed bool
	endian string // big, little, native
	// size is the default size when the segment has none: -1 for "all"
	// (binary), -2 for none (utf).
	size int
}

const (
	sizeAll  = -1
	sizeNone = -2
)

// bitTypeError is an erl_lint error text for a bad type list.
type bitTypeError struct{ msg string }

func (e *bitTypeError) Error() string { return e.msg }

// resolveBitType applies erl_bits:set_bit_type/2 to a segment's type
// specifiers. hasSize says whether the segment has an explicit size.
func resolveBitType(types []parse.BinType, hasSize bool) (bitType, error) {
	var typ, sign, endian string
	unit := 0 // 0 = undefined
	merge := func(old *string, v, what string) error {
		if *old == "" || *old == v {
			*old = v
			return nil
		}
		return &bitTypeError{fmt.Sprintf("conflict in %s specification for bit field: '%s' and '%s'", what, v, *old)}
	}
	for _, t := range types {
		var err error
		if t.HasArg && t.Name != "unit" || !t.HasArg && t.Name == "unit" {
			if t.HasArg {
				return bitType{}, &bitTypeError{"bit type {" + quoteAtomName(t.Name) + "," + strconv.FormatInt(t.Arg, 10) + "} undefined"}
			}
			return bitType{}, &bitTypeError{"bit type unit undefined"}
		}
		switch t.Name {
		case "integer", "utf8", "utf16", "utf32", "float", "binary":
			err = merge(&typ, t.Name, "type")
		case "bytes", "bitstring", "bits":
			u := 8
			if t.Name != "bytes" {
				u = 1
			}
			if err = merge(&typ, "binary", "type"); err == nil {
				err = mergeUnit(&unit, u)
			}
		case "big", "little", "native":
			err = merge(&endian, t.Name, "endianness")
		case "signed", "unsigned":
			err = merge(&sign, t.Name, "sign")
		case "unit":
			if t.Arg < 1 || t.Arg > 256 {
				return bitType{}, &bitTypeError{"bit type {unit," + strconv.FormatInt(t.Arg, 10) + "} undefined"}
			}
			err = mergeUnit(&unit, int(t.Arg))
		default:
			return bitType{}, &bitTypeError{"bit type " + quoteAtomName(t.Name) + " undefined"}
		}
		if err != nil {
			return bitType{}, err
		}
	}
	if typ == "" {
		typ = "integer"
	}
	bt := bitType{typ: typ, unit: unit, signed: sign == "signed", endian: endian}
	if bt.endian == "" {
		bt.endian = "big"
	}
	switch typ {
	case "binary":
		bt.size = sizeAll
		if unit == 0 {
			bt.unit = 8
		}
	case "integer", "float":
		if !hasSize {
			if unit != 0 {
				return bitType{}, &bitTypeError{"a bit unit size must not be specified unless a size is specified too"}
			}
			bt.unit = 1
		} else if unit == 0 {
			bt.unit = 1
		}
		bt.size = 8
		if typ == "float" {
			bt.size = 64
		}
	default: // utf
		if hasSize || unit != 0 {
			return bitType{}, &bitTypeError{"neither size nor unit must be given for segments of type utf8/utf16/utf32"}
		}
		bt.size = sizeNone
	}
	return bt, nil
}

func mergeUnit(old *int, u int) error {
	if *old == 0 || *old == u {
		*old = u
		return nil
	}
	return &bitTypeError{fmt.Sprintf("conflict in unit specification for bit field: '%d' and '%d'", u, *old)}
}

// quoteAtomName writes a bit type name as ~tw writes the atom.
func quoteAtomName(s string) string {
	for i, r := range s {
		ok := (r >= 'a' && r <= 'z') || (i > 0 && ((r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') || r == '_' || r == '@'))
		if !ok {
			return "'" + s + "'"
		}
	}
	if s == "" {
		return "''"
	}
	return s
}

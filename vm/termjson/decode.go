package termjson

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/avmsh/avmsh/vm/term"
)

// ErrJSON is wrapped by every error of this package.
var ErrJSON = errors.New("termjson")

func errorf(path, format string, args ...any) error {
	if path == "" {
		return fmt.Errorf("%w: %s", ErrJSON, fmt.Sprintf(format, args...))
	}
	return fmt.Errorf("%w: at %s: %s", ErrJSON, path, fmt.Sprintf(format, args...))
}

// Unmarshal reads the JSON form of a term (see Marshal and
// docs/json-mapping.md). Any JSON value is accepted: strings become
// atoms, objects maps with atom keys, numbers integers or (with a '.' or
// an exponent) floats. Errors name the JSON path of the bad value.
func Unmarshal(data []byte) (term.Term, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrJSON, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errorf("", "unexpected data after the JSON value at byte %d", dec.InputOffset())
	}
	return decode(v, "$")
}

func decode(v any, path string) (term.Term, error) {
	switch x := v.(type) {
	case nil:
		return term.Atom("null"), nil
	case bool:
		return term.Bool(x), nil
	case json.Number:
		return number(string(x), path)
	case string:
		return atom(x, path)
	case []any:
		return list(x, path)
	case map[string]any:
		if len(x) == 1 {
			for k, val := range x {
				if strings.HasPrefix(k, "$") {
					return wrapper(k, val, path+"."+k)
				}
			}
		}
		kvs := make([]term.KV, 0, len(x))
		for k, val := range x {
			key, err := atom(k, path)
			if err != nil {
				return nil, err
			}
			t, err := decode(val, path+"."+k)
			if err != nil {
				return nil, err
			}
			kvs = append(kvs, term.KV{Key: key, Value: t})
		}
		return term.NewMap(kvs...), nil
	}
	return nil, errorf(path, "unexpected JSON value %T", v)
}

func number(s, path string) (term.Term, error) {
	if strings.ContainsAny(s, ".eE") {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsInf(f, 0) {
			return nil, errorf(path, "float %s is out of range", s)
		}
		return term.Float(f), nil
	}
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		return term.Int(i), nil
	}
	return bigInt(s, path)
}

func bigInt(s, path string) (term.Term, error) {
	if len(s) > 1<<16 {
		return nil, errorf(path, "integer of %d digits is too long", len(s))
	}
	b, ok := new(big.Int).SetString(s, 10)
	if !ok {
		return nil, errorf(path, "%q is not a decimal integer", s)
	}
	return term.BigInteger(b), nil
}

func atom(s, path string) (term.Atom, error) {
	if n := utf8.RuneCountInString(s); n > 255 {
		return "", errorf(path, "atom of %d characters is too long (the limit is 255)", n)
	}
	return term.Atom(s), nil
}

func list(xs []any, path string) (term.List, error) {
	if len(xs) == 0 {
		return term.Nil, nil
	}
	out := make(term.List, len(xs))
	for i, x := range xs {
		t, err := decode(x, fmt.Sprintf("%s[%d]", path, i))
		if err != nil {
			return nil, err
		}
		out[i] = t
	}
	return out, nil
}

func asString(v any, path, what string) (string, error) {
	s, ok := v.(string)
	if !ok {
		return "", errorf(path, "%s must be a JSON string", what)
	}
	return s, nil
}

func asArray(v any, path, what string) ([]any, error) {
	a, ok := v.([]any)
	if !ok {
		return nil, errorf(path, "%s must be a JSON array", what)
	}
	return a, nil
}

func base64Bytes(v any, path string) ([]byte, error) {
	s, err := asString(v, path, "the data")
	if err != nil {
		return nil, err
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, errorf(path, "bad base64: %v", err)
	}
	return b, nil
}

// wrapper decodes a {"$tag": value} object.
func wrapper(tag string, v any, path string) (term.Term, error) {
	switch tag {
	case "$atom":
		s, err := asString(v, path, "an atom")
		if err != nil {
			return nil, err
		}
		return atom(s, path)
	case "$bin":
		s, err := asString(v, path, "a text binary")
		if err != nil {
			return nil, err
		}
		return term.Binary(s), nil
	case "$bin64":
		b, err := base64Bytes(v, path)
		if err != nil {
			return nil, err
		}
		return term.Binary(b), nil
	case "$bits":
		a, err := asArray(v, path, "a bitstring ([Bits, Base64])")
		if err != nil || len(a) != 2 {
			return nil, errorf(path, "a bitstring is [Bits, Base64]")
		}
		n, err := uintField(a[0], path+"[0]", math.MaxInt32)
		if err != nil {
			return nil, err
		}
		data, err := base64Bytes(a[1], path+"[1]")
		if err != nil {
			return nil, err
		}
		if uint64(len(data)) != (n+7)/8 {
			return nil, errorf(path, "%d bits need %d bytes, got %d", n, (n+7)/8, len(data))
		}
		return term.NewBitstring(data, uint8(n%8)), nil
	case "$str":
		s, err := asString(v, path, "a string")
		if err != nil {
			return nil, err
		}
		return term.String(s), nil
	case "$tuple":
		a, err := asArray(v, path, "a tuple")
		if err != nil {
			return nil, err
		}
		l, err := list(a, path)
		if err != nil {
			return nil, err
		}
		return term.Tuple(l), nil
	case "$improper":
		a, err := asArray(v, path, "an improper list ([Elements, Tail])")
		if err != nil || len(a) != 2 {
			return nil, errorf(path, "an improper list is [Elements, Tail]")
		}
		es, err := asArray(a[0], path+"[0]", "the elements")
		if err != nil {
			return nil, err
		}
		elems, err := list(es, path+"[0]")
		if err != nil {
			return nil, err
		}
		tail, err := decode(a[1], path+"[1]")
		if err != nil {
			return nil, err
		}
		return term.Cons(elems, tail), nil
	case "$int":
		s, err := asString(v, path, "an integer")
		if err != nil {
			return nil, err
		}
		return bigInt(s, path)
	case "$map":
		a, err := asArray(v, path, "a map ([[K, V], ...])")
		if err != nil {
			return nil, err
		}
		kvs := make([]term.KV, 0, len(a))
		for i, p := range a {
			pp := fmt.Sprintf("%s[%d]", path, i)
			kv, ok := p.([]any)
			if !ok || len(kv) != 2 {
				return nil, errorf(pp, "a map association is [Key, Value]")
			}
			k, err := decode(kv[0], pp+"[0]")
			if err != nil {
				return nil, err
			}
			val, err := decode(kv[1], pp+"[1]")
			if err != nil {
				return nil, err
			}
			kvs = append(kvs, term.KV{Key: k, Value: val})
		}
		return term.NewMap(kvs...), nil
	case "$binmap":
		o, ok := v.(map[string]any)
		if !ok {
			return nil, errorf(path, "a binary-keyed map must be a JSON object")
		}
		kvs := make([]term.KV, 0, len(o))
		for k, x := range o {
			val, err := decode(x, path+"."+k)
			if err != nil {
				return nil, err
			}
			kvs = append(kvs, term.KV{Key: term.Binary(k), Value: val})
		}
		return term.NewMap(kvs...), nil
	case "$pid", "$port", "$ref", "$fun", "$localfun":
		o, ok := v.(map[string]any)
		if !ok {
			return nil, errorf(path, "%s must be a JSON object", tag)
		}
		return identifier(tag, object{o, path})
	case "$localext":
		b, err := base64Bytes(v, path)
		if err != nil {
			return nil, err
		}
		return term.LocalExt{Bytes: string(b)}, nil
	}
	return nil, errorf(path, "unknown wrapper %q; an atom key starting with '$' is written inside {\"$map\": [[K, V], ...]}", tag)
}

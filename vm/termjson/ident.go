package termjson

import (
	"encoding/hex"
	"encoding/json"
	"math"
	"strconv"

	"github.com/avmsh/avmsh/vm/term"
)

// object is a JSON object being decoded, with its path for errors.
type object struct {
	m    map[string]any
	path string
}

func uintField(v any, path string, limit uint64) (uint64, error) {
	var s string
	switch x := v.(type) {
	case json.Number:
		s = string(x)
	case string: // 64-bit port numbers beyond 2^53 are strings
		s = x
	default:
		return 0, errorf(path, "must be a non-negative integer")
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil || n > limit {
		return 0, errorf(path, "%s is not an integer in 0..%d", s, limit)
	}
	return n, nil
}

func (o object) uint(key string, limit uint64) (uint64, error) {
	v, ok := o.m[key]
	if !ok {
		return 0, errorf(o.path, "missing %q", key)
	}
	return uintField(v, o.path+"."+key, limit)
}

func (o object) int32(key string) (int32, error) {
	v, ok := o.m[key].(json.Number)
	if !ok {
		return 0, errorf(o.path, "%q must be an integer", key)
	}
	n, err := strconv.ParseInt(string(v), 10, 32)
	if err != nil {
		return 0, errorf(o.path+"."+key, "%s is not a 32-bit integer", v)
	}
	return int32(n), nil
}

func (o object) atom(key string) (term.Atom, error) {
	s, ok := o.m[key].(string)
	if !ok {
		return "", errorf(o.path, "%q must be a string", key)
	}
	return atom(s, o.path+"."+key)
}

// identifier decodes $pid, $port, $ref, $fun and $localfun bodies.
func identifier(tag string, o object) (term.Term, error) {
	if tag == "$fun" {
		mod, err := o.atom("module")
		if err != nil {
			return nil, err
		}
		fn, err := o.atom("function")
		if err != nil {
			return nil, err
		}
		ar, err := o.uint("arity", 255)
		if err != nil {
			return nil, err
		}
		return term.ExportFun{Module: mod, Function: fn, Arity: uint8(ar)}, nil
	}
	if tag == "$localfun" {
		return localFun(o)
	}
	node, err := o.atom("node")
	if err != nil {
		return nil, err
	}
	cr, err := o.uint("creation", math.MaxUint32)
	if err != nil {
		return nil, err
	}
	switch tag {
	case "$pid":
		id, err := o.uint("id", math.MaxUint32)
		if err != nil {
			return nil, err
		}
		serial, err := o.uint("serial", math.MaxUint32)
		if err != nil {
			return nil, err
		}
		return term.NewPid(node, uint32(id), uint32(serial), uint32(cr)), nil
	case "$port":
		id, err := o.uint("id", math.MaxUint64)
		if err != nil {
			return nil, err
		}
		return term.Port{Node: node, ID: id, Creation: uint32(cr)}, nil
	}
	ids, ok := o.m["ids"].([]any)
	if !ok || len(ids) < 1 || len(ids) > term.MaxRefWords {
		return nil, errorf(o.path, "\"ids\" must be an array of 1..%d integers", term.MaxRefWords)
	}
	words := make([]uint32, len(ids))
	for i, v := range ids {
		w, err := uintField(v, o.path+".ids", math.MaxUint32)
		if err != nil {
			return nil, err
		}
		words[i] = uint32(w)
	}
	return term.NewRef(node, uint32(cr), words...), nil
}

func localFun(o object) (term.Term, error) {
	f := &term.Fun{}
	var err error
	if f.Module, err = o.atom("module"); err != nil {
		return nil, err
	}
	ar, err := o.uint("arity", 255)
	if err != nil {
		return nil, err
	}
	f.Arity = uint8(ar)
	us, _ := o.m["uniq"].(string)
	u, err := hex.DecodeString(us)
	if err != nil || len(u) != 16 {
		return nil, errorf(o.path+".uniq", "must be 32 hexadecimal digits")
	}
	copy(f.Uniq[:], u)
	idx, err := o.uint("index", math.MaxUint32)
	if err != nil {
		return nil, err
	}
	f.Index = uint32(idx)
	if f.OldIndex, err = o.int32("old_index"); err != nil {
		return nil, err
	}
	if f.OldUniq, err = o.int32("old_uniq"); err != nil {
		return nil, err
	}
	pid, err := decode(o.m["pid"], o.path+".pid")
	if err != nil {
		return nil, err
	}
	p, ok := pid.(term.Pid)
	if !ok {
		return nil, errorf(o.path+".pid", "must be a {\"$pid\": ...}")
	}
	f.Pid = p
	free, ok := o.m["free"].([]any)
	if !ok {
		return nil, errorf(o.path, "\"free\" must be an array")
	}
	fl, err := list(free, o.path+".free")
	if err != nil {
		return nil, err
	}
	if len(fl) > 0 {
		f.Free = fl
	}
	return f, nil
}

package syntax

import (
	"fmt"
	"strings"

	"github.com/avmsh/avmsh/vm/term"
)

// Erlang expressions that build identifiers bit-exactly through the
// external term format, so that Go and OTP see the same pid/port/ref/fun.

func atomExtExpr(a term.Atom) string {
	return fmt.Sprintf("118,%d:16,%s", len(a), byteList([]byte(a)))
}

func byteList(b []byte) string {
	parts := make([]string, len(b))
	for i, c := range b {
		parts[i] = fmt.Sprint(c)
	}
	if len(parts) == 0 {
		return ""
	}
	return strings.Join(parts, ",")
}

func pidExpr(p term.Pid) string {
	return fmt.Sprintf("binary_to_term(<<131,88,%s,%d:32,%d:32,%d:32>>)", atomExtExpr(p.Node), p.ID, p.Serial, p.Creation)
}

func portExpr(p term.Port) string {
	return fmt.Sprintf("binary_to_term(<<131,120,%s,%d:64,%d:32>>)", atomExtExpr(p.Node), p.ID, p.Creation)
}

func refExpr(r term.Ref) string {
	ids := r.IDs()
	var ws []string
	for _, w := range ids {
		ws = append(ws, fmt.Sprintf("%d:32", w))
	}
	return fmt.Sprintf("binary_to_term(<<131,90,%d:16,%s,%d:32,%s>>)", len(ids), atomExtExpr(r.Node), r.Creation, strings.Join(ws, ","))
}

// funExpr encodes a NEW_FUN_EXT without free variables.
func funExpr(f *term.Fun) string {
	body := fmt.Sprintf("%d,<<%s>>/binary,%d:32,0:32,%s,98,%d:32,98,%d:32,88,%s,%d:32,%d:32,%d:32",
		f.Arity, byteList(f.Uniq[:]), f.Index, atomExtExpr(f.Module), f.OldIndex, f.OldUniq,
		atomExtExpr(f.Pid.Node), f.Pid.ID, f.Pid.Serial, f.Pid.Creation)
	return fmt.Sprintf("begin FunBody = <<%s>>, binary_to_term(<<131,112,(byte_size(FunBody)+4):32,FunBody/binary>>) end", body)
}

// identCases returns identifier cases for the node named local and the
// foreign node names they use.
func identCases(local term.Atom) ([]confCase, []term.Atom) {
	foreign := []term.Atom{"other@host", "avm@192.168.1.7", "ü@h", "a"}
	var cs []confCase
	addPid := func(p term.Pid) { cs = append(cs, confCase{pidExpr(p), p}) }
	for _, node := range append([]term.Atom{local}, foreign...) {
		for _, cr := range []uint32{1, 3, 0xFFFFFFFF} {
			addPid(term.NewPid(node, 0, 0, cr))
			addPid(term.NewPid(node, 91, 0, cr))
			addPid(term.NewPid(node, 32767, 8191, cr))
			addPid(term.NewPid(node, 1<<27, 1<<12, cr))
		}
		p := term.Port{Node: node, ID: 5, Creation: 3}
		cs = append(cs, confCase{portExpr(p), p})
		p = term.Port{Node: node, ID: 1<<40 + 7, Creation: 3}
		cs = append(cs, confCase{portExpr(p), p})
		for _, ws := range [][]uint32{{1}, {1, 2}, {205424, 2434531329, 3582981796}, {5, 4, 3, 2}, {1, 2, 3, 4, 5}} {
			r := term.NewRef(node, 3, ws...)
			cs = append(cs, confCase{refExpr(r), r})
		}
	}
	f := &term.Fun{Module: "erl_eval", Arity: 1, Index: 7, OldIndex: 42, OldUniq: 3316493, Pid: term.NewPid(local, 1, 0, 1)}
	f.Uniq[0] = 9
	cs = append(cs, confCase{funExpr(f), f})
	g := &term.Fun{Module: "my mod", Arity: 0, Index: 0, OldIndex: 0, OldUniq: 0, Pid: term.NewPid("other@host", 5, 6, 7)}
	cs = append(cs, confCase{funExpr(g), g})
	h := &term.Fun{Module: "m", Arity: 2, Index: 3, OldIndex: 3, OldUniq: -1, Pid: term.NewPid(local, 1, 0, 1)}
	cs = append(cs, confCase{funExpr(h), h})
	u := &term.Fun{Module: "modülé_日本", Arity: 1, Index: 1, OldIndex: -5, OldUniq: 2147483647, Pid: term.NewPid(local, 1, 0, 1)}
	cs = append(cs, confCase{funExpr(u), u})
	// identifiers inside containers
	pid := term.NewPid(local, 40, 0, 1)
	fp := term.NewPid("other@host", 9, 9, 2)
	cs = append(cs, confCase{fmt.Sprintf("{%s, %s, [%s]}", pidExpr(pid), pidExpr(fp), refExpr(term.NewRef(local, 1, 7, 8, 9))),
		term.Tuple{pid, fp, term.List{term.NewRef(local, 1, 7, 8, 9)}}})
	cs = append(cs, confCase{fmt.Sprintf("#{%s => %s}", pidExpr(fp), portExpr(term.Port{Node: "other@host", ID: 1, Creation: 2})),
		term.NewMap(term.KV{Key: fp, Value: term.Port{Node: "other@host", ID: 1, Creation: 2}})})
	return cs, foreign
}

package observe

import (
	"fmt"
	"net"
	"strconv"

	"github.com/avmsh/avmsh/vm/syntax"
	"github.com/avmsh/avmsh/vm/term"
)

// Helpers that read untrusted answers: a value of the wrong shape reads
// as zero or empty, never a panic.
//
// Lists: a list that may hold only integers (system_info answers, a
// string) may be a term.Chars and is read through term.AsList or
// textOf; the lists of tuples, pids or atoms the sections answer (rows,
// proplists, process_info) can never be one (a Chars holds integers
// only) and are asserted as term.List.

func intOf(t term.Term) int64 {
	if i, ok := t.(term.Int); ok {
		return int64(i)
	}
	if b, ok := t.(term.BigInt); ok && b.V != nil && b.V.IsInt64() {
		return b.V.Int64()
	}
	return 0
}

// isInt reports whether t is an integer that fits int64.
func isInt(t term.Term) bool {
	switch v := t.(type) {
	case term.Int:
		return true
	case term.BigInt:
		return v.V != nil && v.V.IsInt64()
	}
	return false
}

func textOf(t term.Term) string {
	switch v := t.(type) {
	case term.List, term.Chars:
		n, _ := term.ListLen(v)
		b := make([]rune, 0, n)
		for _, c := range term.ListElems(v) {
			b = append(b, rune(intOf(c)))
		}
		return string(b)
	case term.Binary:
		return string(v)
	case term.Atom:
		return string(v)
	}
	return syntax.Write(t, syntax.Options{})
}

func writeTerm(t term.Term) string {
	return syntax.Write(t, syntax.Options{Encoding: syntax.Unicode})
}

// proplist reads a list of {Key, Value} pairs with atom keys.
func proplist(t term.Term) map[term.Atom]term.Term {
	m := map[term.Atom]term.Term{}
	if l, ok := t.(term.List); ok {
		for _, e := range l {
			if kv, ok := e.(term.Tuple); ok && len(kv) == 2 {
				if k, ok := kv[0].(term.Atom); ok {
					m[k] = kv[1]
				}
			}
		}
	}
	return m
}

// memoryMap reads erlang:memory/0's [{Kind, Bytes}].
func memoryMap(t term.Term) map[string]int64 {
	l, _ := t.(term.List)
	m := make(map[string]int64, len(l))
	for _, e := range l {
		if kv, ok := e.(term.Tuple); ok && len(kv) == 2 {
			if k, ok := kv[0].(term.Atom); ok {
				m[string(k)] = intOf(kv[1])
			}
		}
	}
	return m
}

// tagged reads {Tag, Value} (process_info/2 and port_info/2 answers).
func tagged(t term.Term, tag term.Atom) (term.Term, bool) {
	if kv, ok := t.(term.Tuple); ok && len(kv) == 2 && kv[0] == tag {
		return kv[1], true
	}
	return nil, false
}

// tuple reads a tuple of exactly n elements.
func tuple(t term.Term, n int) (term.Tuple, bool) {
	tt, ok := t.(term.Tuple)
	return tt, ok && len(tt) == n
}

// mfaText prints {M, F, A} as M:F/A.
func mfaText(t term.Term) string {
	if mfa, ok := tuple(t, 3); ok {
		return fmt.Sprintf("%s:%s/%d", textOf(mfa[0]), textOf(mfa[1]), intOf(mfa[2]))
	}
	return textOf(t)
}

// addrText reads inet's {ok, {IP, Port}} as "ip:port" ("" otherwise).
func addrText(t term.Term) string {
	ok, isOK := tuple(t, 2)
	if !isOK || ok[0] != term.Atom("ok") {
		return ""
	}
	ipPort, isPair := tuple(ok[1], 2)
	if !isPair {
		return ""
	}
	return net.JoinHostPort(ipText(ipPort[0]), strconv.FormatInt(intOf(ipPort[1]), 10))
}

// ipText prints an inet address tuple.
func ipText(t term.Term) string {
	tt, ok := t.(term.Tuple)
	if !ok {
		return textOf(t)
	}
	switch len(tt) {
	case 4:
		return net.IPv4(byte(intOf(tt[0])), byte(intOf(tt[1])), byte(intOf(tt[2])), byte(intOf(tt[3]))).String()
	case 8:
		ip := make(net.IP, 16)
		for i, w := range tt {
			v := intOf(w)
			ip[2*i], ip[2*i+1] = byte(v>>8), byte(v)
		}
		return ip.String()
	}
	return textOf(t)
}

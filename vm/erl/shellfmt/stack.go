package shellfmt

import (
	"sort"
	"strconv"
	"strings"

	"github.com/avmsh/avmsh/vm/syntax"
	"github.com/avmsh/avmsh/vm/term"
)

// opTypes is erl_internal:op_type/2: the operators erl_error prints as
// "in operator", with a mask of their arities (1 unary, 2 binary, 3
// both).
func opTypes(op string) (int, bool) {
	switch op {
	case "+", "-":
		return 3, true
	case "bnot", "not":
		return 1, true
	case "*", "/", "div", "rem", "band", "bor", "bxor", "bsl", "bsr",
		"and", "or", "xor", "==", "/=", "=<", "<", ">=", ">", "=:=", "=/=",
		"++", "--", "!":
		return 2, true
	}
	return 0, false
}

// isOp reports whether {M, F} with arity a is an operator of erlang.
func isOp(mf term.Term, a int) (string, bool) {
	t, ok := mf.(term.Tuple)
	if !ok || len(t) != 2 || t[0] != term.Atom("erlang") {
		return "", false
	}
	f, ok := t[1].(term.Atom)
	if !ok {
		return "", false
	}
	mask, ok := opTypes(string(f))
	if !ok || a < 1 || a > 2 || mask&a == 0 {
		return "", false
	}
	return string(f), true
}

func (o *Options) formatStacktrace(s string, trace []term.Tuple, errMap ErrorInfo) string {
	// Trim the shell's own frames (erl_eval, shell) from the end.
	end := len(trace)
	for end > 0 {
		m := trace[end-1][0]
		if m != term.Atom("erl_eval") && m != term.Atom("shell") {
			break
		}
		end--
	}
	trace = trace[:end]
	s = "  " + s
	var b strings.Builder
	for n, f := range trace {
		n++
		sep := s
		if n > 1 {
			sep = "\n" + s
		}
		origin := "in call from"
		if n == 1 {
			origin = "in function "
			if _, ok := isOp(term.Tuple{f[0], f[1]}, nArgs(f[2])); ok {
				origin = "in operator "
			}
		}
		em := ErrorInfo{}
		if n == 1 {
			em = errMap
		}
		switch a := f[2].(type) {
		case term.List, term.Chars:
			args, _ := term.AsList(a)
			calledAs := s + "   called as "
			c := o.formatCall("", calledAs, term.Tuple{f[0], f[1]}, args)
			b.WriteString(sep + origin + " " + o.mfaToString(f[0], f[1], len(args)) + "\n" + calledAs + c + callFormatError(em, len(args), sep))
		default:
			b.WriteString(sep + origin + " " + o.mfaToString(f[0], f[1], nArgs(a)) + " " + location(f[3]) + callFormatError(em, nArgs(a), sep))
		}
	}
	return b.String()
}

func callFormatError(em ErrorInfo, arity int, sep string) string {
	var errs []string
	for i := 1; i <= arity; i++ {
		msg, ok := em.Args[i]
		if !ok {
			continue
		}
		lines := strings.FieldsFunc(msg, func(r rune) bool { return r == '\r' || r == '\n' })
		if len(lines) == 0 {
			lines = []string{""}
		}
		argStr := "*** argument " + strconv.Itoa(i) + ": "
		errs = append(errs, argStr+lines[0])
		for _, l := range lines[1:] {
			errs = append(errs, nSpaces(strLen(argStr))+l)
		}
	}
	if em.HasGeneral {
		errs = append(errs, "*** "+em.General)
	}
	if len(errs) == 0 {
		return ""
	}
	return "\n" + sep + "   " + strings.Join(errs, "\n"+sep+"   ")
}

func (o *Options) formatErrstrCall(errStr string, class term.Atom, mf term.Term, args []term.Term, s string) string {
	pre1 := s + nSpaces(strLen(exited(class)))
	return o.formatCall(errStr, pre1, mf, args)
}

// formatCall is erl_error:format_call/7 (result includes errStr).
func (o *Options) formatCall(errStr, pre1 string, mf term.Term, args []term.Term) string {
	if op, ok := isOp(mf, len(args)); ok {
		return errStr + o.formatOp(errStr, pre1, op, args)
	}
	mfs := o.mfToString(mf, len(args))
	i1 := strLen(pre1) + strLen(errStr) + strLen(mfs)
	s1 := o.ppArguments(args, i1)
	s2 := o.ppArguments(args, strLen(pre1)+strLen(mfs))
	s3 := o.ppArguments([]term.Term{term.Atom("a2345"), term.Atom("b2345")}, i1)
	if countNL(s3) > 0 || countNL(s2) < countNL(s1) {
		return errStr + "\n" + pre1 + mfs + s2
	}
	return errStr + mfs + s1
}

func (o *Options) formatOp(errStr, pre, op string, args []term.Term) string {
	if len(args) == 1 {
		ops := op + " "
		i1 := strLen(errStr) + strLen(pre) + strLen(ops)
		return ops + o.pp(args[0], i1+1)
	}
	i1 := strLen(errStr) + strLen(pre)
	s1 := o.pp(args[0], i1+1)
	s2 := o.pp(args[1], i1+1)
	pre1 := "\n" + nSpaces(i1)
	if countNL(s1) > 0 {
		return s1 + pre1 + op + pre1 + s2
	}
	op2 := " " + op + " "
	size1 := strLen(errStr) + strLen(pre) + strLen(op2)
	s22 := o.pp(args[1], size1+strLen(s1)+1)
	if countNL(s2) < countNL(s22) {
		return s1 + pre1 + op + pre1 + s2
	}
	return s1 + op2 + s22
}

func (o *Options) ppArguments(args []term.Term, i int) string {
	if len(args) > 0 {
		if n, ok := args[0].(term.Int); ok {
			if _, printable := syntax.PrintableList(args, o.Encoding, syntax.Latin1); printable {
				l := strconv.FormatInt(int64(n), 10)
				a := term.Atom(strings.Repeat("a", len(l)))
				s := []rune(o.pp(append(term.List{a}, args[1:]...), i+1))
				return bracketsToParens("[" + l + string(s[1+len(l):]))
			}
		}
	}
	return bracketsToParens(o.pp(term.List(args), i+1))
}

func bracketsToParens(s string) string {
	if len(s) < 2 {
		return s
	}
	return "(" + s[1:len(s)-1] + ")"
}

func (o *Options) mfaToString(m, f term.Term, a int) string {
	return o.mfToString(term.Tuple{m, f}, a) + "/" + strconv.Itoa(a)
}

func (o *Options) mfToString(mf term.Term, a int) string {
	t, ok := mf.(term.Tuple)
	if !ok || len(t) != 2 {
		if isFun(mf) {
			return o.formatFun(mf)
		}
		return toString(mf, o.Encoding)
	}
	if t[0] == term.Atom("erlang") && isAutoBIF(t[1], a) {
		return syntax.Write(t[1], syntax.Options{})
	}
	if op, ok := isOp(t, a); ok {
		if op == "/" {
			return syntax.Write(t[1], syntax.Options{})
		}
		return op
	}
	return syntax.Write(t[0], syntax.Options{}) + ":" + toString(t[1], o.Encoding)
}

func (o *Options) formatFun(f term.Term) string {
	switch v := f.(type) {
	case term.ExportFun:
		return o.mfaToString(v.Module, v.Function, int(v.Arity))
	case *term.Fun:
		if v.Module == "erl_eval" {
			return "interpreted function with arity " + strconv.Itoa(int(v.Arity))
		}
	}
	return syntax.Write(f, syntax.Options{Node: o.Node})
}

// extendedError resolves the error_info of the first frame.
func (o *Options) extendedError(reason term.Term, trace []term.Tuple) ErrorInfo {
	if len(trace) == 0 {
		return ErrorInfo{}
	}
	f := trace[0]
	info, _ := term.AsList(f[3])
	var eim term.Map
	found := false
	for _, e := range info {
		if kv, ok := e.(term.Tuple); ok && len(kv) == 2 && kv[0] == term.Atom("error_info") {
			if m, ok := kv[1].(term.Map); ok {
				eim, found = m, true
			}
			break
		}
	}
	if !found {
		return ErrorInfo{}
	}
	mod := f[0]
	if v, ok := eim.Get(term.Atom("module")); ok {
		mod = v
	}
	var fn term.Term = term.Atom("format_error")
	if v, ok := eim.Get(term.Atom("function")); ok {
		fn = v
	}
	modA, ok1 := mod.(term.Atom)
	fnA, ok2 := fn.(term.Atom)
	if !ok1 || !ok2 {
		return ErrorInfo{}
	}
	if modA == "erl_erts_errors" {
		switch fnA {
		case "format_error":
			return ertsFormatError(reason, f, eim)
		case "format_bs_fail":
			return formatBsFail(reason, eim)
		}
	}
	if o.ExtendedError != nil {
		stack := make(term.List, len(trace))
		for i, t := range trace {
			stack[i] = t
		}
		if ei, ok := o.ExtendedError(modA, fnA, reason, stack); ok {
			return ei
		}
	}
	return ErrorInfo{}
}

// ErrorInfoFromMap converts the map a format_error/2 callback returns.
func ErrorInfoFromMap(m term.Map) ErrorInfo {
	ei := ErrorInfo{Args: map[int]string{}}
	keys := m.Pairs()
	sort.SliceStable(keys, func(i, j int) bool { return term.Compare(keys[i].Key, keys[j].Key) < 0 })
	for _, kv := range keys {
		text, ok := chardata(kv.Value)
		if !ok {
			continue
		}
		switch k := kv.Key.(type) {
		case term.Int:
			ei.Args[int(k)] = text
		case term.Atom:
			switch k {
			case "general":
				ei.General, ei.HasGeneral = text, true
			case "reason":
				ei.Reason, ei.HasReason = text, true
			}
		}
	}
	return ei
}

// chardata flattens a string, binary or nested list of them.
func chardata(t term.Term) (string, bool) {
	var b strings.Builder
	var walk func(t term.Term, depth int) bool
	walk = func(t term.Term, depth int) bool {
		if depth > 1000 {
			return false
		}
		switch v := t.(type) {
		case term.Binary:
			b.Write(v)
			return true
		case term.Int:
			b.WriteRune(rune(v))
			return true
		case term.List, term.Chars:
			for _, e := range term.ListElems(v) {
				if !walk(e, depth+1) {
					return false
				}
			}
			return true
		case term.ImproperList:
			for _, e := range v.Elems {
				if !walk(e, depth+1) {
					return false
				}
			}
			return walk(v.Tail, depth+1)
		}
		return false
	}
	if !walk(t, 0) {
		return "", false
	}
	return b.String(), true
}

package shellfmt

import (
	"strconv"
	"strings"

	"github.com/avmsh/avmsh/vm/erl/scan"
	"github.com/avmsh/avmsh/vm/syntax"
	"github.com/avmsh/avmsh/vm/term"
)

// ErrorInfo is the map a format_error/2 callback returns for an
// exception with error_info: messages per argument position, a general
// message and a replacement for the reason text.
type ErrorInfo struct {
	Args       map[int]string
	General    string
	HasGeneral bool
	Reason     string
	HasReason  bool
}

// Options configure the formatting.
type Options struct {
	// LineLength is the terminal width (io:columns()); 0 means 80.
	LineLength int
	// Encoding is the shell's I/O encoding: Latin1 (erl with pipes)
	// or Unicode (a UTF-8 terminal).
	Encoding syntax.Encoding
	// Node is the context pids, ports and references print in.
	Node syntax.NodeContext
	// ExtendedError resolves error_info for a format module other than
	// erl_erts_errors (whose BIF messages are built in): it calls
	// Module:Function(Reason, Stack), on the target for instance. nil,
	// or ok=false, means no extra information.
	ExtendedError func(module, function term.Atom, reason, stack term.Term) (ErrorInfo, bool)
}

func (o *Options) ll() int {
	if o.LineLength <= 0 {
		return 80
	}
	return o.LineLength
}

// pp is the shell's pp/3: io_lib_pretty with column I, the line length,
// depth 30 and line_max_chars 60.
func (o *Options) pp(t term.Term, col int) string {
	return syntax.Pretty(t, syntax.Options{Encoding: o.Encoding, Column: col, LineLength: o.ll(), Depth: 30, LineMaxChars: 60, Node: o.Node})
}

// Result formats a value as the erl shell prints it after evaluation.
func Result(v term.Term, o Options) string { return o.pp(v, 1) }

// CommandError formats a scan, parse or check error as the shell does:
// "* 1:5: syntax error before: ')'".
func CommandError(e *scan.Error) string { return "* " + e.Error() }

// Exception formats an exception as the erl shell reports it, starting
// with "** exception ..." (several lines, no final newline).
func Exception(class term.Atom, reason, stack term.Term, o Options) string {
	return "** " + formatException(4, class, reason, stack, &o)
}

func nSpaces(n int) string {
	if n <= 0 {
		return ""
	}
	return strings.Repeat(" ", n)
}

func exited(class term.Atom) string {
	switch class {
	case "error":
		return "exception error: "
	case "exit":
		return "exception exit: "
	}
	return "exception throw: "
}

func strLen(s string) int { return len([]rune(s)) }

func countNL(s string) int { return strings.Count(s, "\n") }

// isStacktrace is erl_error's is_stacktrace/1.
func isStacktrace(t term.Term) ([]term.Tuple, bool) {
	l, ok := term.AsList(t)
	if !ok {
		return nil, false
	}
	out := make([]term.Tuple, 0, len(l))
	for _, e := range l {
		f, ok := e.(term.Tuple)
		if !ok || len(f) != 4 {
			return nil, false
		}
		if _, ok := f[0].(term.Atom); !ok {
			return nil, false
		}
		if _, ok := f[1].(term.Atom); !ok {
			return nil, false
		}
		if !term.IsProperList(f[3]) {
			return nil, false
		}
		switch f[2].(type) {
		case term.Int, term.BigInt, term.List, term.Chars:
		default:
			return nil, false
		}
		out = append(out, f)
	}
	return out, true
}

// trace1 is the frame explain_reason uses (function_clause, undef).
type trace1 struct {
	frame term.Tuple // {M,F,As,Loc}
	shell bool       // {F, A} of a shell command
}

func formatException(i int, class term.Atom, reason, stack term.Term, o *Options) string {
	s := nSpaces(i - 1)
	what := reason
	var t1 *trace1
	var trace []term.Tuple
	frames, isSt := isStacktrace(stack)
	switch {
	case !isSt:
		what = term.Tuple{reason, stack}
	case class == "error" && len(frames) > 0 && reason == term.Atom("function_clause") && isList(frames[0][2]):
		t1, trace = &trace1{frame: frames[0]}, frames[1:]
	case class == "error" && len(frames) == 1 && reason == term.Atom("function_clause") && frames[0][0] == term.Atom("shell") && term.IsInteger(frames[0][2]):
		t1 = &trace1{frame: frames[0], shell: true}
	case class == "error" && len(frames) > 0 && reason == term.Atom("undef"):
		t1, trace = &trace1{frame: frames[0]}, frames[1:]
	default:
		trace = frames
	}
	errMap := o.extendedError(reason, trace)
	st := o.formatStacktrace(s, trace, errMap)
	var expl string
	if errMap.HasReason {
		expl = errMap.Reason
	} else {
		expl = o.explainReason(what, class, t1, s)
	}
	out := exited(class) + expl
	if st != "" {
		out += "\n" + st
	}
	return out
}

func isList(t term.Term) bool { return term.IsProperList(t) }

func (o *Options) formatValue(v term.Term, errStr string, class term.Atom, s string) string {
	pre1 := strLen(exited(class))
	s1 := o.pp(v, pre1+strLen(s)+strLen(errStr)+1)
	if n1 := countNL(s1); n1 > 1 {
		s2 := o.pp(v, strLen(s)+1+pre1)
		if countNL(s2) < n1 {
			return errStr + "\n" + s + nSpaces(pre1) + s2
		}
	}
	return errStr + s1
}

func argss(n int) string {
	switch n {
	case 0:
		return "no arguments"
	case 1:
		return "one argument"
	case 2:
		return "two arguments"
	}
	return strconv.Itoa(n) + " arguments"
}

func (o *Options) explainReason(r term.Term, class term.Atom, t1 *trace1, s string) string {
	if class == "error" && t1 == nil {
		switch r {
		case term.Atom("badarg"):
			return "bad argument"
		case term.Atom("badarith"):
			return "an error occurred when evaluating an arithmetic expression"
		case term.Atom("if_clause"):
			return "no true branch found when evaluating an if expression"
		case term.Atom("noproc"):
			return "no such process or port"
		case term.Atom("notalive"):
			return "the node cannot be part of a distributed system"
		case term.Atom("system_limit"):
			return "a system limit has been reached"
		case term.Atom("timeout_value"):
			return "bad receive timeout value"
		}
		if t, ok := r.(term.Tuple); ok && len(t) >= 2 {
			if txt, ok := o.explainTuple(t, class, s); ok {
				return txt
			}
		}
	}
	if class == "error" && t1 != nil {
		switch r {
		case term.Atom("function_clause"):
			if t1.shell {
				return "no function clause matching call to " + syntax.Write(t1.frame[1], syntax.Options{}) + "/" + syntax.Write(t1.frame[2], syntax.Options{})
			}
			args, _ := term.AsList(t1.frame[2])
			mf := term.Tuple{t1.frame[0], t1.frame[1]}
			return o.formatErrstrCall("no function clause matching ", class, mf, args, s) + " " + location(t1.frame[3])
		case term.Atom("undef"):
			return "undefined function " + o.mfaToString(t1.frame[0], t1.frame[1], nArgs(t1.frame[2]))
		}
	}
	if class == "exit" {
		switch r {
		case term.Atom("restricted_shell_started"):
			return "restricted shell starts now"
		case term.Atom("restricted_shell_stopped"):
			return "restricted shell stopped"
		case term.Atom("calling_self"):
			return "the current process attempted to call itself"
		}
	}
	return o.pp(r, strLen(s)+1+strLen(exited(class)))
}

func (o *Options) explainTuple(t term.Tuple, class term.Atom, s string) (string, bool) {
	tagA, _ := t[0].(term.Atom)
	if len(t) == 2 {
		v := t[1]
		switch tagA {
		case "badarg":
			return o.formatValue(v, "bad argument: ", class, s), true
		case "badkey":
			return o.formatValue(v, "bad key: ", class, s), true
		case "badmap":
			return o.formatValue(v, "bad map: ", class, s), true
		case "badarity":
			if p, ok := v.(term.Tuple); ok && len(p) == 2 && isFun(p[0]) {
				if n, ok := term.ListLen(p[1]); ok {
					return o.formatFun(p[0]) + " called with " + argss(n), true
				}
			}
		case "badfun":
			return o.formatValue(v, "bad function ", class, s), true
		case "badmatch":
			return o.formatValue(v, "no match of right hand side value ", class, s), true
		case "case_clause":
			return o.formatValue(v, "no case clause matching ", class, s), true
		case "try_clause":
			return o.formatValue(v, "no try clause matching ", class, s), true
		case "argument_limit":
			return "limit of number of arguments to interpreted function exceeded", true
		case "bad_filter":
			return o.formatValue(v, "bad filter ", class, s), true
		case "bad_generator":
			return o.formatValue(v, "bad generator ", class, s), true
		case "unbound":
			return "variable " + syntax.Write(v, syntax.Options{}) + " is unbound", true
		case "shell_fun_argument":
			if mfa, ok := v.(term.Tuple); ok && len(mfa) == 3 {
				n, _ := mfa[2].(term.Int)
				return "a fun defined in the shell cannot be passed to " + o.mfaToString(mfa[0], mfa[1], int(n)) +
					": it would run on the target node, which cannot run shell code; use fun Module:Function/Arity instead", true
			}
		}
	}
	if len(t) == 4 && tagA == "shell_undef" {
		n := nArgs(t[2])
		return "undefined shell command " + toString(t[1], o.Encoding) + "/" + strconv.Itoa(n), true
	}
	return "", false
}

func isFun(t term.Term) bool {
	switch t.(type) {
	case *term.Fun, term.ExportFun:
		return true
	}
	return false
}

func nArgs(t term.Term) int {
	switch v := t.(type) {
	case term.Int:
		return int(v)
	case term.List, term.Chars:
		n, _ := term.ListLen(v)
		return n
	}
	return 0
}

func location(loc term.Term) string {
	l, _ := term.AsList(loc)
	var file, line term.Term
	for _, e := range l {
		kv, ok := e.(term.Tuple)
		if !ok || len(kv) != 2 {
			continue
		}
		switch kv[0] {
		case term.Atom("file"):
			if file == nil {
				file = kv[1]
			}
		case term.Atom("line"):
			if line == nil {
				line = kv[1]
			}
		}
	}
	if file == nil || line == nil {
		return ""
	}
	fs, ok := term.CharList(file)
	if !ok {
		fs = syntax.Write(file, syntax.Options{})
	}
	return "(" + fs + ", line " + syntax.Write(line, syntax.Options{}) + ")"
}

func toString(a term.Term, enc syntax.Encoding) string {
	at, ok := a.(term.Atom)
	if !ok {
		return syntax.Write(a, syntax.Options{})
	}
	return syntax.WriteAtom(at, enc)
}

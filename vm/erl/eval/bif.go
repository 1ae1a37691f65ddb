package eval

import (
	"sync"

	"github.com/avmsh/avmsh/vm/term"
)

type bifKey struct {
	name  term.Atom
	arity int
}

type mfaKey struct {
	mod, fun term.Atom
	arity    int
}

type bifFunc func(m *machine, args []term.Term) (term.Term, error)

// tables are the evaluator's lookup tables. They are built on first use,
// not when the program starts: most avmsh commands never evaluate
// Erlang, and package initialisation is paid by every command.
type tables struct {
	// local are the erlang module functions the evaluator runs in Go:
	// pure functions of their arguments (plus self/0, node/0 and the
	// process dictionary, which belong to the shell process).
	// Everything else goes to the target through Host.Call. The set is
	// listed in docs/shell-evaluator.md.
	local map[bifKey]bifFunc
	// process act on the shell process; see ProcessHost.
	process map[bifKey]bool
	// auto is erl_internal:bif/2 of OTP 25: the functions a local call
	// f(...) reaches in module erlang.
	auto map[bifKey]bool
	// guard is erl_internal:guard_bif/2 plus the type tests.
	guard map[bifKey]bool
	// typeTests is erl_internal:new_type_test/2.
	typeTests map[bifKey]bool
	// hofs are the higher-order functions of HigherOrder.
	hofs map[mfaKey]hofFunc
}

var (
	tablesOnce sync.Once
	evalTab    *tables
)

// evalTables returns the tables, building them on the first call.
func evalTables() *tables {
	tablesOnce.Do(func() { evalTab = buildTables() })
	return evalTab
}

func buildTables() *tables {
	t := &tables{
		local:     localBIFs(),
		process:   processBIFs(),
		auto:      map[bifKey]bool{},
		guard:     map[bifKey]bool{},
		typeTests: typeTests(),
		hofs:      higherOrder(),
	}
	for _, s := range autoBIFNames {
		t.auto[parseFA(s)] = true
	}
	for _, s := range guardBIFNames {
		t.guard[parseFA(s)] = true
	}
	for k := range t.typeTests {
		t.guard[k] = true
	}
	return t
}

func localBIFs() map[bifKey]bifFunc {
	local := map[bifKey]bifFunc{}
	for _, m := range []map[bifKey]bifFunc{typeBIFs(), dataBIFs(), convBIFs(), procBIFs()} {
		for k, v := range m {
			local[k] = v
		}
	}
	for _, op := range []string{"+", "-", "*", "/", "div", "rem", "band", "bor", "bxor", "bsl", "bsr", "and", "or", "xor", "==", "/=", "=:=", "=/=", "<", "=<", ">", ">=", "++", "--"} {
		local[bifKey{term.Atom(op), 2}] = func(m *machine, a []term.Term) (term.Term, error) {
			v, exc := binaryOp(op, a[0], a[1])
			if exc != nil {
				return nil, exc
			}
			return v, nil
		}
	}
	for _, op := range []string{"+", "-", "bnot", "not"} {
		local[bifKey{term.Atom(op), 1}] = func(m *machine, a []term.Term) (term.Term, error) {
			v, exc := unaryOp(op, a[0])
			if exc != nil {
				return nil, exc
			}
			return v, nil
		}
	}
	local[bifKey{"!", 2}] = sendBIF("!")
	local[bifKey{"send", 2}] = sendBIF("send")
	return local
}

func sendBIF(name term.Atom) bifFunc {
	return func(m *machine, a []term.Term) (term.Term, error) {
		if err := m.ev.host.Send(m.ctx, a[0], a[1]); err != nil {
			if exc, ok := AsException(err); ok && isEmptyStack(exc.Stack) {
				return nil, bifError(exc.Reason, name, a)
			}
			return nil, err
		}
		return a[1], nil
	}
}

// LocalBIF reports whether erlang:Name/Arity runs in Go in the evaluator.
func LocalBIF(name term.Atom, arity int) bool {
	_, ok := evalTables().local[bifKey{name, arity}]
	return ok
}

func processBIFs() map[bifKey]bool {
	return map[bifKey]bool{
		{"link", 1}: true, {"unlink", 1}: true, {"monitor", 2}: true, {"monitor", 3}: true,
		{"demonitor", 1}: true, {"demonitor", 2}: true, {"process_flag", 2}: true,
		{"register", 2}: true, {"unregister", 1}: true, {"exit", 2}: true,
		{"spawn_link", 1}: true, {"spawn_link", 2}: true, {"spawn_link", 3}: true, {"spawn_link", 4}: true,
		{"spawn_monitor", 1}: true, {"spawn_monitor", 2}: true, {"spawn_monitor", 3}: true, {"spawn_monitor", 4}: true,
		{"group_leader", 0}: true, {"is_process_alive", 1}: true, {"process_info", 1}: true, {"process_info", 2}: true,
	}
}

// autoBIFNames is erl_internal:bif/2 of OTP 25.
var autoBIFNames = [...]string{
	"abs/1", "alias/0", "alias/1", "apply/2", "apply/3", "atom_to_binary/1", "atom_to_binary/2", "atom_to_list/1",
	"binary_part/2", "binary_part/3", "binary_to_atom/1", "binary_to_atom/2", "binary_to_existing_atom/1",
	"binary_to_existing_atom/2", "binary_to_integer/1", "binary_to_integer/2", "binary_to_float/1",
	"binary_to_list/1", "binary_to_list/3", "binary_to_term/1", "binary_to_term/2", "bitsize/1", "bit_size/1",
	"bitstring_to_list/1", "byte_size/1", "ceil/1", "check_old_code/1", "check_process_code/2",
	"check_process_code/3", "date/0", "delete_module/1", "demonitor/1", "demonitor/2", "disconnect_node/1",
	"element/2", "erase/0", "erase/1", "error/1", "error/2", "error/3", "exit/1", "exit/2", "float/1",
	"float_to_list/1", "float_to_list/2", "float_to_binary/1", "float_to_binary/2", "floor/1",
	"garbage_collect/0", "garbage_collect/1", "garbage_collect/2", "get/0", "get/1", "get_keys/0", "get_keys/1",
	"group_leader/0", "group_leader/2", "halt/0", "halt/1", "halt/2", "hd/1", "integer_to_binary/1",
	"integer_to_binary/2", "integer_to_list/1", "integer_to_list/2", "iolist_size/1", "iolist_to_binary/1",
	"is_alive/0", "is_process_alive/1", "is_atom/1", "is_boolean/1", "is_binary/1", "is_bitstring/1",
	"is_float/1", "is_function/1", "is_function/2", "is_integer/1", "is_list/1", "is_map/1", "is_map_key/2",
	"is_number/1", "is_pid/1", "is_port/1", "is_reference/1", "is_tuple/1", "is_record/2", "is_record/3",
	"length/1", "link/1", "list_to_atom/1", "list_to_binary/1", "list_to_bitstring/1",
	"list_to_existing_atom/1", "list_to_float/1", "list_to_integer/1", "list_to_integer/2", "list_to_pid/1",
	"list_to_port/1", "list_to_ref/1", "list_to_tuple/1", "load_module/2", "make_ref/0", "map_size/1",
	"map_get/2", "max/2", "min/2", "module_loaded/1", "monitor/2", "monitor/3", "monitor_node/2", "node/0",
	"node/1", "nodes/0", "nodes/1", "nodes/2", "now/0", "open_port/2", "pid_to_list/1", "port_to_list/1",
	"port_close/1", "port_command/2", "port_command/3", "port_connect/2", "port_control/3", "pre_loaded/0",
	"process_flag/2", "process_flag/3", "process_info/1", "process_info/2", "processes/0", "purge_module/1",
	"put/2", "ref_to_list/1", "register/2", "registered/0", "round/1", "self/0", "setelement/3", "size/1",
	"spawn/1", "spawn/2", "spawn/3", "spawn/4", "spawn_link/1", "spawn_link/2", "spawn_link/3", "spawn_link/4",
	"spawn_request/1", "spawn_request/2", "spawn_request/3", "spawn_request/4", "spawn_request/5",
	"spawn_request_abandon/1", "spawn_monitor/1", "spawn_monitor/2", "spawn_monitor/3", "spawn_monitor/4",
	"spawn_opt/2", "spawn_opt/3", "spawn_opt/4", "spawn_opt/5", "split_binary/2", "statistics/1",
	"term_to_binary/1", "term_to_binary/2", "term_to_iovec/1", "term_to_iovec/2", "throw/1", "time/0",
	"tl/1", "trunc/1", "tuple_size/1", "tuple_to_list/1", "unalias/1", "unlink/1", "unregister/1", "whereis/1",
}

func parseFA(s string) bifKey {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '/' {
			n := 0
			for _, c := range s[i+1:] {
				n = n*10 + int(c-'0')
			}
			return bifKey{term.Atom(s[:i]), n}
		}
	}
	return bifKey{term.Atom(s), 0}
}

func isAutoBIF(name string, arity int) bool { return evalTables().auto[bifKey{term.Atom(name), arity}] }

// AutoImported reports whether erlang:Name/Arity is auto-imported
// (erl_internal:bif/2): a local call name(...) reaches it.
func AutoImported(name term.Atom, arity int) bool { return evalTables().auto[bifKey{name, arity}] }

// guardBIFNames is erl_internal:guard_bif/2 (the type tests are added).
var guardBIFNames = [...]string{"abs/1", "binary_part/2", "binary_part/3", "bit_size/1", "byte_size/1", "ceil/1",
	"element/2", "float/1", "floor/1", "hd/1", "is_map_key/2", "length/1", "map_size/1", "map_get/2",
	"node/0", "node/1", "round/1", "self/0", "size/1", "tl/1", "trunc/1", "tuple_size/1"}

func typeTests() map[bifKey]bool {
	return map[bifKey]bool{
		{"is_atom", 1}: true, {"is_binary", 1}: true, {"is_bitstring", 1}: true, {"is_boolean", 1}: true,
		{"is_float", 1}: true, {"is_function", 1}: true, {"is_function", 2}: true, {"is_integer", 1}: true,
		{"is_list", 1}: true, {"is_map", 1}: true, {"is_number", 1}: true, {"is_pid", 1}: true, {"is_port", 1}: true,
		{"is_record", 2}: true, {"is_record", 3}: true, {"is_reference", 1}: true, {"is_tuple", 1}: true,
	}
}

// anyShellFun reports whether any argument is (or contains) a shell fun.
func anyShellFun(args []term.Term) bool {
	for _, a := range args {
		if containsShellFun(a, 0) {
			return true
		}
	}
	return false
}

func containsShellFun(t term.Term, depth int) bool {
	if depth > 10000 {
		return false
	}
	switch v := t.(type) {
	case *term.Fun:
		return ShellFun(v)
	case term.List: // a term.Chars holds no funs
		for _, e := range v {
			if containsShellFun(e, depth+1) {
				return true
			}
		}
	case term.ImproperList:
		for _, e := range v.Elems {
			if containsShellFun(e, depth+1) {
				return true
			}
		}
		return containsShellFun(v.Tail, depth+1)
	case term.Tuple:
		for _, e := range v {
			if containsShellFun(e, depth+1) {
				return true
			}
		}
	case term.Map:
		for _, kv := range v.Pairs() {
			if containsShellFun(kv.Key, depth+1) || containsShellFun(kv.Value, depth+1) {
				return true
			}
		}
	}
	return false
}

// AtomShellFunArgument is the error reason tag raised when a shell fun
// would have to run on the target: {shell_fun_argument, {M, F, Arity}}.
const AtomShellFunArgument term.Atom = "shell_fun_argument"

func (m *machine) noShellFuns(mod, fn term.Atom, args []term.Term) error {
	if anyShellFun(args) {
		return errorf(term.Tuple{AtomShellFunArgument, term.Tuple{mod, fn, term.Int(len(args))}})
	}
	return nil
}

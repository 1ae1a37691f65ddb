package shellfmt

import (
	"context"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/avmsh/avmsh/internal/erltest"
	"github.com/avmsh/avmsh/vm/erl/scan"
	"github.com/avmsh/avmsh/vm/etf"
	"github.com/avmsh/avmsh/vm/syntax"
	"github.com/avmsh/avmsh/vm/term"
)

// exceptionCases are {Class, Reason, Stack} terms written in Erlang
// syntax (parsed by vm/syntax): shapes the shell evaluator produces and
// shapes that only a target produces (deep stacks, long arguments).
var exceptionCases = []string{
	`{error, badarg, [{erlang, element, [1, foo], [{error_info, #{module => erl_erts_errors}}]}]}`,
	`{error, badarith, [{erlang, '+', [1, a], []}]}`,
	`{error, badarith, [{erlang, '-', [a], []}]}`,
	`{error, badarg, [{erlang, '++', [[a, very, long, list, 'of', atoms, that, goes, on, 'and', on, 'and', on], x], []}]}`,
	`{error, {badmatch, {a, [1, 2, 3], "string", <<"bin">>}}, []}`,
	`{error, {badmatch, [aaaaaaaaaaaaaaaaaaaa, bbbbbbbbbbbbbbbbbbbbbbbb, cccccccccccccccccccccc, dddddddddddddd, eeeeeeeeeeeeee]}, []}`,
	`{error, {case_clause, 42}, [{m, f, 1, [{file, "m.erl"}, {line, 10}]}, {m, g, 2, [{file, "m.erl"}, {line, 20}]}]}`,
	`{error, function_clause, [{lists, map, [foo, [1, 2]], [{file, "lists.erl"}, {line, 1313}]}]}`,
	`{error, function_clause, [{mod, fn, [aaaaaaaaaaaaaaaaaaaaaa, bbbbbbbbbbbbbbbbbbbbbbbb, cccccccccccccccccccccc, ddd], [{file, "mod.erl"}, {line, 3}]}]}`,
	`{error, function_clause, [{erl_eval, '-inside-an-interpreted-fun-', [-1], []}, {erl_eval, eval_fun, 8, [{file, "erl_eval.erl"}, {line, 898}]}, {lists, map, 2, [{file, "lists.erl"}, {line, 1315}]}]}`,
	`{error, undef, [{foo, bar, [1, 2], []}]}`,
	`{error, undef, [{foo, bar, 0, []}, {baz, qux, 1, [{file, "baz.erl"}, {line, 5}]}]}`,
	`{error, {shell_undef, foo, 2, []}, []}`,
	`{error, if_clause, []}`,
	`{error, {try_clause, x}, []}`,
	`{error, {badkey, k}, []}`,
	`{error, {badmap, 1}, []}`,
	`{error, {badfun, 3}, []}`,
	`{error, {badarity, {fun lists:map/2, [1]}}, []}`,
	`{error, {bad_generator, a}, []}`,
	`{error, {bad_filter, 1}, []}`,
	`{error, {unbound, 'X'}, []}`,
	`{error, timeout_value, [{prim_eval, 'receive', 2, []}]}`,
	`{error, system_limit, []}`,
	`{error, noproc, [{gen_server, call, 2, [{file, "gen_server.erl"}, {line, 370}]}]}`,
	`{error, {some, tuple}, [{m, f, 0, []}]}`,
	`{error, badarg, [{erlang, list_to_atom, [[97, 98, 1000]], [{error_info, #{module => erl_erts_errors}}]}]}`,
	`{error, badarg, [{erlang, binary_part, [<<1, 2>>, 1, 5], [{error_info, #{module => erl_erts_errors}}]}]}`,
	`{error, badarg, [{erlang, integer_to_list, [1, 99], [{error_info, #{module => erl_erts_errors}}]}]}`,
	`{error, badarg, [{erlang, atom_to_binary, [a, foo], [{error_info, #{module => erl_erts_errors}}]}]}`,
	`{error, {badkey, x}, [{erlang, map_get, [x, #{}], [{error_info, #{module => erl_erts_errors}}]}]}`,
	`{error, badarg, [{eval_bits, eval_exp_field, 6, [{file, "eval_bits.erl"}, {line, 143}, {error_info, #{cause => {1, integer, type, a}, function => format_bs_fail, module => erl_erts_errors, override_segment_position => 2}}]}]}`,
	`{error, badarg, [{eval_bits, eval_exp_field, 6, [{error_info, #{cause => {1, binary, short, <<1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20>>}, function => format_bs_fail, module => erl_erts_errors}}]}]}`,
	`{error, badarg, [{eval_bits, eval_exp_field, 6, [{error_info, #{cause => {1, integer, size, 123456789012345678901234567890123456789012345678901234567890}, function => format_bs_fail, module => erl_erts_errors}}]}]}`,
	`{throw, ball, []}`,
	`{throw, {a, long, "thrown", value, with, lots, 'of', elements, that, must, wrap, around, the, line}, []}`,
	`{exit, normal, []}`,
	`{exit, {shutdown, 1}, [{m, f, 1, [{file, "m.erl"}, {line, 1}]}]}`,
	`{exit, restricted_shell_stopped, []}`,
	`{error, some_reason, not_a_stacktrace}`,
	`{error, function_clause, [{shell, apply_fun, 3, []}]}`,
	`{error, badarg, [{m, f, [1,2,3], []}, {erl_eval, do_apply, 7, []}, {shell, exprs, 7, []}]}`,
	`{error, badarg, [{m, f, [], []}]}`,
	`{error, badarg, [{m, f, [$a, $b, $c], []}]}`,
	`{error, badarg, [{m, f, [65, 66, 67], []}]}`,
	`{error, badarg, [{'Mod', 'fun name', 1, [{file, "x.erl"}, {line, 1}]}]}`,
}

// TestExceptionsMatchOTP formats each exception with this package and
// with OTP 25's erl_error:format_exception/7 configured as shell.erl
// configures it, and requires the same text.
func TestExceptionsMatchOTP(t *testing.T) {
	erltest.Require(t)
	node := erltest.Start(t, erltest.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for _, src := range exceptionCases {
		v, err := syntax.Parse(src, syntax.ParseOptions{})
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		tup := v.(term.Tuple)
		got := Exception(tup[0].(term.Atom), tup[1], tup[2], Options{})
		b, err := etf.Marshal(tup)
		if err != nil {
			t.Fatal(err)
		}
		expr := `(fun() -> {C, R, S} = binary_to_term(binary:decode_hex(<<"` + hex.EncodeToString(b) + `">>)),
			PF = fun(T, I) -> io_lib_pretty:print(T, [{column, I}, {line_length, 80}, {depth, 30}, {line_max_chars, 60}, {strings, true}, {encoding, latin1}]) end,
			SF = fun(M, _, _) -> (M =:= erl_eval) or (M =:= shell) end,
			unicode:characters_to_binary(["** ", erl_error:format_exception(4, C, R, S, SF, PF, latin1)]) end)()`
		r, err := node.Call(ctx, expr)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		want, err := etf.Unmarshal(r.ETF)
		if err != nil {
			t.Fatal(err)
		}
		if got != string(want.(term.Binary)) {
			t.Errorf("%s:\n--- OTP:\n%s\n--- avmsh:\n%s", src, want, got)
		}
	}
}

func TestResultAndCommandError(t *testing.T) {
	if got := Result(term.List{term.Int(104), term.Int(105)}, Options{}); got != `"hi"` {
		t.Errorf("Result: %s", got)
	}
	long := make(term.List, 40)
	for i := range long {
		long[i] = term.Int(i + 1)
	}
	if got := Result(long, Options{}); !strings.HasSuffix(got, "29|...]") || strings.Count(got, "\n") != 1 {
		t.Errorf("depth 30 / line_max_chars 60: %s", got)
	}
	e := &scan.Error{Pos: scan.Pos{Line: 1, Col: 5}, Msg: "syntax error before: ')'"}
	if got := CommandError(e); got != "* 1:5: syntax error before: ')'" {
		t.Errorf("CommandError: %s", got)
	}
}

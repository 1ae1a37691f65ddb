package eval

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/avmsh/avmsh/vm/erl/parse"
	"github.com/avmsh/avmsh/vm/syntax"
	"github.com/avmsh/avmsh/vm/term"
)

// run parses, checks and evaluates src with a fake host.
func run(t *testing.T, ev *Evaluator, src string, bs *Bindings) (string, *Bindings, error) {
	t.Helper()
	es, err := parse.String(src)
	if err != nil {
		return "", bs, err
	}
	if err := Check(es, bs); err != nil {
		return "", bs, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	v, out, err := ev.Exprs(ctx, es, bs)
	if err != nil {
		return "", bs, err
	}
	return syntax.Pretty(v, syntax.Options{}), out, nil
}

func TestValues(t *testing.T) {
	ev := New(&fakeHost{}, Options{})
	for _, c := range []struct{ in, want string }{
		{"1 + 2 * 3.", "7"},
		{"(1 bsl 64) + 1.", "18446744073709551617"},
		{"-9223372036854775808 - 1.", "-9223372036854775809"},
		{"9223372036854775807 * 2.", "18446744073709551614"},
		{"-7 div 2.", "-3"},
		{"-7 rem 2.", "-1"},
		{"7 / 2.", "3.5"},
		{"1 bsr 100.", "0"},
		{"-1 bsr 100.", "-1"},
		{"bnot 0.", "-1"},
		{"X = {a, [1, 2]}, {a, [_, Y]} = X, Y.", "2"},
		{"[H | T] = \"abc\", {H, T}.", "{97,\"bc\"}"},
		{"\"ab\" ++ R = \"abcd\", R.", "\"cd\""},
		{"case 3 of N when N > 2, N < 5; N == 0 -> yes; _ -> no end.", "yes"},
		{"if 1 > 2 -> a; true -> b end.", "b"},
		{"F = fun(X) -> X * 2 end, F(21).", "42"},
		{"fun Fact(0) -> 1; Fact(N) -> N * Fact(N - 1) end(20).", "2432902008176640000"},
		{"G = 10, (fun() -> G + 1 end)().", "11"},
		{"X = 1, F = fun(X) -> X end, {F(2), X}.", "{2,1}"},
		{"[X * Y || X <- [1, 2], Y <- [10, 20], X * Y > 10].", "[20,20,40]"},
		{"<< <<(X + 1)>> || <<X>> <= <<1, 2, 3>> >>.", "<<2,3,4>>"},
		{"[X || <<X:4>> <= <<16#12, 16#34>>].", "[1,2,3,4]"},
		{"#{a := A} = #{a => 1, b => 2}, A.", "1"},
		{"M = #{a => 1}, M#{a := 2, b => 3}.", "#{a => 2,b => 3}"},
		{"<<A:3, B:5>> = <<255>>, {A, B}.", "{7,31}"},
		{"<<X:16/little-signed>> = <<254, 255>>, X.", "-2"},
		{"<<F/float>> = <<2.5/float>>, F.", "2.5"},
		{"<<16#123:12/little>>.", "<<35,1:4>>"},
		{"<<1.5:16/float>>.", "<<62,0>>"},
		{"<<\"é\"/utf8>> =:= <<195, 169>>.", "true"},
		{"<<C/utf16, R/binary>> = <<0, 65, 1>>, {C, R}.", "{65,<<1>>}"},
		{"try throw(x) catch throw:X -> {caught, X} end.", "{caught,x}"},
		{"try error(e) catch error:R:S -> {R, is_list(S)} end.", "{e,true}"},
		{"try 1 of 1 -> one after ok end.", "one"},
		{"{'EXIT', {R, [F]}} = catch 1 / 0, {R, element(3, F)}.", "{badarith,[1,0]}"},
		{"catch exit(x).", "{'EXIT',x}"},
		{"self() ! hi, receive M -> M after 0 -> none end.", "hi"},
		{"receive M -> M after 0 -> none end.", "none"},
		{"put(k, v), put(k, w).", "v"},
		{"get(k).", "w"},
		{"lists:reverse([1, 2]).", "[2,1]"},
		{"lists:map(fun(X) -> X + 1 end, [1, 2]).", "[2,3]"},
		{"lists:foldl(fun(X, A) -> X + A end, 0, [1, 2, 3]).", "6"},
		{"lists:sort(fun(A, B) -> A >= B end, [1, 3, 2]).", "[3,2,1]"},
		{"maps:fold(fun(K, V, A) -> [{K, V} | A] end, [], #{a => 1, b => 2}).", "[{b,2},{a,1}]"},
		{"apply(fun(X) -> X end, [ok]).", "ok"},
		{"(fun erlang:abs/1)(-2).", "2"},
		{"true andalso false orelse true.", "true"},
		{"element(2, list_to_tuple(atom_to_list(abc))).", "98"},
		{"integer_to_list(-255, 16).", "\"-FF\""},
		{"float_to_list(1.0).", "\"1.00000000000000000000e+00\""},
		{"list_to_integer(\"-12345678901234567890\").", "-12345678901234567890"},
		{"iolist_to_binary([\"a\", [$b], <<\"c\">>]).", "<<\"abc\">>"},
		{"binary_to_atom(<<\"x y\">>, utf8).", "'x y'"},
		{"round(2.5) + trunc(-2.7) + floor(-0.5) + ceil(0.5).", "1"},
		{"[1, 2, 3, 2] -- [2, 3].", "[1,2]"},
		{"[1, 2, 3] -- [].", "[1,2,3]"},
		{"length([a | [b, c]]).", "3"},
		{"begin X = 1, X + 1 end.", "2"},
		{"case [1 | 2] of [A | B] -> {A, B} end.", "{1,2}"},
		{"size(<<1, 2>>) + tuple_size({}).", "2"},
	} {
		got, _, err := run(t, ev, c.in, nil)
		if err != nil {
			t.Errorf("%s: %v", c.in, err)
			continue
		}
		if got != c.want {
			t.Errorf("%s = %s, want %s", c.in, got, c.want)
		}
	}
}

func TestExceptions(t *testing.T) {
	ev := New(&fakeHost{}, Options{})
	for _, c := range []struct{ in, class, reason string }{
		{"1 = 2.", "error", "{badmatch,2}"},
		{"case 1 of 2 -> a end.", "error", "{case_clause,1}"},
		{"if false -> a end.", "error", "if_clause"},
		{"try 1 of 2 -> a catch _:_ -> b end.", "error", "{try_clause,1}"},
		{"(fun(a) -> ok end)(b).", "error", "function_clause"},
		{"(fun(X) -> X end)(1, 2).", "error", "{badarity,{#Fun<erl_eval.42.0>,[1,2]}}"},
		{"X = 1, X(2).", "error", "{badfun,1}"},
		{"1 + a.", "error", "badarith"},
		{"hd([]).", "error", "badarg"},
		{"M = 1, M#{a => 1}.", "error", "{badmap,1}"},
		{"#{}#{a := 1}.", "error", "{badkey,a}"},
		{"1 andalso true.", "error", "{badarg,1}"},
		{"[X || X <- a].", "error", "{bad_generator,a}"},
		{"[X || X <- [1], X].", "", ""},
		{"[X || X <- [1], lists:reverse([X])].", "error", "{bad_filter,[1]}"},
		{"throw(t).", "throw", "t"},
		{"exit(e).", "exit", "e"},
		{"nomod:f().", "error", "undef"},
		{"foo().", "error", "{shell_undef,foo,0,[]}"},
		{"fun foo/0.", "error", "undef"},
		{"receive after a -> ok end.", "error", "timeout_value"},
		{"<<a>>.", "error", "badarg"},
		{"atom ! x.", "error", "badarg"},
		{"lists:usort(fun(X) -> X end).", "error", "{shell_fun_argument,{lists,usort,1}}"},
	} {
		_, _, err := run(t, ev, c.in, nil)
		if c.class == "" {
			if err != nil {
				t.Errorf("%s: %v", c.in, err)
			}
			continue
		}
		exc, ok := AsException(err)
		if !ok {
			t.Errorf("%s: want exception, got %v", c.in, err)
			continue
		}
		if string(exc.Class) != c.class || syntax.Write(exc.Reason, syntax.Options{}) != c.reason {
			t.Errorf("%s: got %s:%s, want %s:%s", c.in, exc.Class, syntax.Write(exc.Reason, syntax.Options{}), c.class, c.reason)
		}
	}
}

// The texts are erl_lint's (checked against the erl shell by the
// conformance table).
func TestCheck(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"X.", "1:1: variable 'X' is unbound"},
		{"case 1 of 1 -> Y = a; _ -> ok end, Y.", "1:36: variable 'Y' unsafe in 'case' (line 1, column 1)"},
		{"try Y = 1 catch _ -> ok end, Y.", "1:30: variable 'Y' unsafe in 'try' (line 1, column 1)"},
		{"catch (Y = 1), Y.", "1:16: variable 'Y' unsafe in 'catch' (line 1, column 1)"},
		{"[Y || Y <- [1]], Y.", "1:18: variable 'Y' is unbound"},
		{"X + 1 = 2.", "1:3: illegal pattern"},
		{"case 1 of X when foo(X) -> a end.", "1:18: illegal guard expression"},
		{"#{a := 1}.", "1:5: only association operators '=>' are allowed in map construction"},
		{"#{a => V} = #{}.", "1:5: illegal pattern"},
		{"#r{}.", "1:1: record r undefined"},
		{"<<1/unit:8>>.", "1:3: a bit unit size must not be specified unless a size is specified too"},
		{"<<1:8/foo>>.", "1:3: bit type foo undefined"},
		{"<<1:8/integer-float>>.", "1:3: conflict in type specification for bit field: 'float' and 'integer'"},
		{"<<X/binary, Y>> = <<>>.", "1:3: a binary field without size is only allowed at the end of a binary pattern"},
		{"try a catch _:_:S when S -> b end.", "1:24: stacktrace variable 'S' must not be used in a guard"},
		{"case 1 of 1 -> Z = a; 2 -> Z = b end, Z.", ""},
		{"f(X).", ""},
		{"fun F(0) -> 1; F(N) -> F(N - 1) end.", ""},
	} {
		es, err := parse.String(c.in)
		if err != nil {
			t.Fatalf("%s: %v", c.in, err)
		}
		err = Check(es, nil)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != c.want {
			t.Errorf("%s: got %q, want %q", c.in, got, c.want)
		}
	}
}

func TestTailCallsRunInConstantSpace(t *testing.T) {
	ev := New(&fakeHost{}, Options{MaxCallDepth: 1000})
	got, _, err := run(t, ev, "fun L(0, A) -> A; L(N, A) -> case N rem 2 of 0 -> L(N - 1, A + 1); _ -> begin L(N - 1, A) end end end(200000, 0).", nil)
	if err != nil || got != "100000" {
		t.Fatalf("got %s, %v", got, err)
	}
}

func TestDeepRecursionIsBounded(t *testing.T) {
	ev := New(&fakeHost{}, Options{MaxCallDepth: 5000})
	_, _, err := run(t, ev, "fun F(0) -> 0; F(N) -> 1 + F(N - 1) end(4000).", nil)
	if err != nil {
		t.Fatalf("within the limit: %v", err)
	}
	_, _, err = run(t, ev, "fun F(0) -> 0; F(N) -> 1 + F(N - 1) end(10000).", nil)
	exc, ok := AsException(err)
	if !ok || exc.Reason != term.Atom("system_limit") {
		t.Fatalf("beyond the limit: %v", err)
	}
}

func TestDefaultDepthFitsTheStack(t *testing.T) {
	ev := New(&fakeHost{}, Options{})
	_, _, err := run(t, ev, "fun F(0) -> 0; F(N) -> 1 + F(N - 1) end(100000).", nil)
	exc, ok := AsException(err)
	if !ok || exc.Reason != term.Atom("system_limit") {
		t.Fatalf("want system_limit, got %v", err)
	}
}

func TestInterrupt(t *testing.T) {
	ev := New(&fakeHost{}, Options{})
	es, _ := parse.String("fun L() -> L() end().")
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, _, err := ev.Exprs(ctx, es, nil)
	if !errors.Is(err, ErrInterrupted) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v", err)
	}
	es, _ = parse.String("receive x -> ok end.")
	ctx2, cancel2 := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel2()
	if _, _, err := ev.Exprs(ctx2, es, nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("receive: %v", err)
	}
}

func TestBindingsPersistAcrossCalls(t *testing.T) {
	ev := New(&fakeHost{}, Options{})
	_, bs, err := run(t, ev, "X = 1, Y = X + 1.", nil)
	if err != nil {
		t.Fatal(err)
	}
	got, _, err := run(t, ev, "{X, Y}.", bs)
	if err != nil || got != "{1,2}" {
		t.Fatalf("%s %v", got, err)
	}
	if names := bs.All(); len(names) != 2 || names[0].Name != "X" {
		t.Fatalf("bindings %v", names)
	}
	if _, ok := bs.Delete("X").Get("X"); ok {
		t.Fatal("Delete kept X")
	}
}

func TestLocalHandler(t *testing.T) {
	var seen []string
	ev := New(&fakeHost{}, Options{Local: func(ctx context.Context, name term.Atom, args []parse.Expr, bs *Bindings) (term.Term, *Bindings, bool, error) {
		seen = append(seen, string(name))
		if name == "hello" {
			return term.Atom("world"), bs, true, nil
		}
		return nil, bs, false, nil
	}})
	got, _, err := run(t, ev, "hello().", nil)
	if err != nil || got != "world" {
		t.Fatalf("%s %v", got, err)
	}
	if _, _, err := run(t, ev, "abs(-1).", nil); err != nil || strings.Join(seen, ",") != "hello" {
		t.Fatalf("BIF went to the handler: %v %v", seen, err)
	}
}

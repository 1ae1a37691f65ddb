package eval

import (
	"strings"
	"testing"

	"github.com/avmsh/avmsh/vm/syntax"
	"github.com/avmsh/avmsh/vm/term"
)

// outcome is what an expression gives, as text: its value or its
// exception.
func outcome(t *testing.T, src string, x term.Term) string {
	t.Helper()
	ev := New(&fakeHost{}, Options{})
	got, _, err := run(t, ev, src, NewBindings(Binding{Name: "X", Value: x}))
	if err != nil {
		if exc, ok := AsException(err); ok {
			return "exception " + string(exc.Class) + ":" + syntax.Write(exc.Reason, syntax.Options{})
		}
		return "error " + err.Error()
	}
	return got
}

// TestCharsEvaluateAsLists evaluates expressions on X bound to a string
// in its compact form (term.Chars, what arrives from a peer) and as a
// List: the outcomes must be the same, for every list operation the
// evaluator has.
func TestCharsEvaluateAsLists(t *testing.T) {
	exprs := []string{
		"X.", "length(X).", "hd(X).", "tl(X).", "is_list(X).",
		"[H | T] = X, {H, T}.", "[A, B | T] = X, {A, B, T}.", "[_] = X.", "[] = X.",
		"\"ab\" ++ R = X, R.", "[$a | R] = X, R.", "\"abc\" = X.",
		"case X of \"a\" ++ _ -> a; [C | _] when C > 255 -> wide; _ -> other end.",
		"X ++ \"!\".", "\"<\" ++ X.", "X ++ X.", "X -- \"a\".", "\"abca\" -- X.",
		"X == \"abc\".", "X =:= [97, 98, 99].", "X == [97.0, 98, 99].", "X < \"abd\".", "X > [].", "X < <<>>.",
		"[C + 1 || C <- X].", "[C || C <- X, C > $a].", "<< <<C>> || C <- X, C < 256 >>.",
		"lists:reverse(X).", "lists:map(fun(C) -> C * 2 end, X).", "lists:foldl(fun(C, A) -> C + A end, 0, X).",
		"lists:sort(fun(A, B) -> A >= B end, X).", "lists:filter(fun(C) -> C rem 2 == 0 end, X).",
		"list_to_tuple(X).", "list_to_atom(X).", "list_to_binary(X).", "iolist_to_binary([X, <<\"z\">>]).",
		"list_to_integer(X).", "list_to_float(X).", "unicode:characters_to_binary(X).", "erlang:list_to_bitstring(X).",
		"M = #{X => v, \"k\" => w}, {maps:get(X, M), maps:get(\"abc\", M, none)}.",
		"#{\"abc\" := V} = #{X => 1}, V.",
		"{X, [X]}.", "element(1, {X}) =:= X.",
		"apply(fun(A, B) -> {A, B} end, X).",
		"lists:zipwith(fun(A, B) -> A + B end, X, X).",
		"self() ! X, receive \"abc\" -> matched; [$a | _] -> prefix; M -> M end.",
		"try throw(X) catch throw:\"abc\" -> caught; throw:T -> {other, T} end.",
		"erlang:error(oops, X).",
	}
	values := []string{"abc", "a", "ab", "é", "héllo", "日本語", "\x00\u00ff", "123", "1.5", "\U0010FFFF", strings.Repeat("z", 300)}
	for _, v := range values {
		compact, plain := term.Chars(v), term.String(v)
		for _, src := range exprs {
			want := outcome(t, src, plain)
			got := outcome(t, src, compact)
			if got != want {
				t.Errorf("X = %q: %s\n compact: %s\n   plain: %s", v, src, got, want)
			}
		}
	}
	// A few outcomes, so that the comparison is not between two errors.
	for _, c := range []struct{ src, v, want string }{
		{"[H | T] = X, {H, T}.", "abc", "{97,\"bc\"}"},
		{"\"ab\" ++ R = X, R.", "abc", "\"c\""},
		{"length(X).", "日本語", "3"},
		{"X == [97.0, 98, 99].", "abc", "true"},
		{"X =:= [97, 98, 99].", "abc", "true"},
		{"list_to_binary(X).", "\x00\u00ff", "<<0,255>>"},
		{"list_to_atom(X).", "héllo", "héllo"},
		{"#{\"abc\" := V} = #{X => 1}, V.", "abc", "1"},
		{"self() ! X, receive \"abc\" -> matched; [$a | _] -> prefix; M -> M end.", "abc", "matched"},
		{"self() ! X, receive \"abc\" -> matched; [$a | _] -> prefix; M -> M end.", "ab", "prefix"},
		{"apply(fun(A, B) -> {A, B} end, X).", "ab", "{97,98}"},
	} {
		if got := outcome(t, c.src, term.Chars(c.v)); got != c.want {
			t.Errorf("X = %q: %s = %s, want %s", c.v, c.src, got, c.want)
		}
	}
}

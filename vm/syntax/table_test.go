package syntax

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"strings"

	"github.com/avmsh/avmsh/vm/term"
)

// confCase pairs a Go term with an Erlang expression for the same term.
// When Go is nil the term is Parse(Erl).
type confCase struct {
	Erl string
	Go  term.Term
}

// literalCases are term literals: Erlang evaluates the text, Go parses it.
var literalCases = []string{
	// atoms
	`ok`, `'ok'`, `'Ok'`, `'_x'`, `a@b`, `'a.b'`, `'a b'`, `''`, `'case'`, `'end'`, `'fun'`, `'receive'`,
	`'maybe'`, `'else'`, `'not'`, `'xor'`, `'bsl'`, `'div'`, `true`, `false`, `undefined`, `'hello world'`,
	`'a\'b'`, `'back\\slash'`, `'tab\there'`, `'nl\nx'`, `'\e\d\b\f\v\r'`, `'\001\037'`,
	`héllo`, `'Ölm'`, `ßtraße`, `'×'`, `'÷x'`, `'a÷'`, `'日本'`, `'emoji😀'`, `'é'`, `'\x{80}\x{9f}'`,
	`'\x{a0}'`, `a1`, `a_B9@x`, `'1a'`, `'-'`, `'+'`, `'[]'`, `'{}'`, `'#'`, `'é\x{300}'`, `'\x{ff}'`, `'\x{100}'`,
	// integers
	`0`, `1`, `-1`, `42`, `-42`, `255`, `256`, `65535`, `2147483647`, `-2147483648`, `4294967296`,
	`9223372036854775807`, `-9223372036854775808`, `9223372036854775808`, `-9223372036854775809`,
	`18446744073709551616`, `123456789012345678901234567890`, `-123456789012345678901234567890`,
	`16#ff`, `16#FFFFFFFFFFFFFFFFFFFF`, `2#101`, `36#zz`, `1_000_000`, `8#777`, `$a`, `$\n`, `$\s`, `$ `,
	`$\x{1F600}`, `$\^A`, `$\177`, `-$a`, `+7`,
	// floats
	`0.0`, `-0.0`, `1.0`, `-1.0`, `0.1`, `0.2`, `0.3`, `1.5`, `100.0`, `1000.0`, `1.0e10`, `1.0e-10`,
	`1.0e15`, `1.0e16`, `123456.0`, `1234567.0`, `0.001`, `0.0001`, `0.00001`, `1.0e-3`, `3.141592653589793`,
	`2.718281828459045`, `1.7976931348623157e308`, `2.2250738585072014e-308`, `5.0e-324`, `4.9e-324`,
	`9007199254740992.0`, `9007199254740993.0`, `9007199254740991.0`, `4503599627370496.0`, `1.0e22`, `1.0e23`,
	`123.456`, `-123.456`, `12345678901234.5`, `0.5e-5`, `6.02214076e23`, `1.0e100`, `1.0e-100`, `33.0`, `1.0e2`,
	`10.0`, `99.0`, `999.0`, `12.5`, `125.0`, `1250.0`, `12500.0`, `1.25e5`, `0.000123`, `0.0000123`,
	`1_000.5`, `2.5e+3`,
	// strings and lists
	`[]`, `"abc"`, `""`, `"hello world"`, `"a\nb"`, `"tab\t"`, `"quote\"q"`, `"back\\"`, `"\e\d"`,
	`"é"`, `"日本"`, `"😀"`, `"a" "b"`, `[97,98,99]`, `[1,2,3]`, `[0]`, `[7]`, `[8]`, `[127]`, `[128]`, `[159]`,
	`[160]`, `[255]`, `[256]`, `[-1]`, `[a,b,c]`, `[1|2]`, `[a,b|c]`, `[[]]`, `[[],[]]`, `["abc"]`,
	`[1,2|[3,4]]`, `[$a,$b|$c]`, `[1.0,2.5]`, `[{a,1},{b,2}]`, `"\x{1F600}x"`, `[65|"BC"]`,
	`"line1\nline2\nline3"`, `"\r\n"`, `"é\x{301}"`, `[16#D800]`, `[16#10FFFF]`, `[16#110000]`, `[16#FFFE]`,
	`"Ω"`, `[$a,256]`,
	// tuples
	`{}`, `{a}`, `{a,b}`, `{1,2,3}`, `{ok,"x"}`, `{error,{badarg,[1,2]}}`, `{{}}`, `{[],{}}`, `{1,{2,{3,{4}}}}`,
	`{'EXIT',self_,normal}`, `{"a",<<"b">>}`,
	// maps
	`#{}`, `#{a => 1}`, `#{a => 1, b => 2}`, `#{b => 1, a => 2}`, `#{1 => a, a => 1}`, `#{1.0 => a, 1 => b}`,
	`#{"k" => v}`, `#{<<"k">> => <<"v">>}`, `#{{a,b} => [c]}`, `#{[] => {}}`, `#{#{} => #{}}`,
	`#{a => #{b => #{c => d}}}`, `#{k => [1,2,3], l => "str"}`, `#{-1 => x, 0 => y, 1 => z}`,
	`#{a => 1, a => 2}`,
	// binaries and bitstrings
	`<<>>`, `<<1>>`, `<<1,2,3>>`, `<<"abc">>`, `<<"hello world">>`, `<<"é">>`, `<<"é"/utf8>>`, `<<"日本"/utf8>>`,
	`<<"😀"/utf8>>`, `<<0>>`, `<<255>>`, `<<"a\nb">>`, `<<"tab\t">>`, `<<1:1>>`, `<<1:3>>`, `<<5:3>>`,
	`<<1,2:5>>`, `<<255,255:7>>`, `<<0:1>>`, `<<"ab",1:2>>`, `<<16#ffff:16>>`, `<<1:16/little>>`,
	`<<-1:32>>`, `<<1.5/float>>`, `<<1.5:32/float>>`, `<<"abc"/utf16>>`, `<<"ab"/utf32>>`, `<<$a/utf8>>`,
	`<<"\x{1F600}"/utf8, "x">>`, `<<"a", 200>>`, `<<200,201,202>>`, `<<"aé"/utf8, 255>>`, `<<127>>`, `<<"\e">>`,
	`<<"12345678901234567890123">>`, `<<1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25>>`,
	`<<"€"/utf8>>`, `<<"\r\n">>`, `<<"é\x{301}"/utf8>>`, `<<<<1,2>>/binary, 3>>`, `<<<<1:3>>/bits, 1:5>>`,
	// funs
	`fun lists:map/2`, `fun erlang:'+'/2`, `fun 'a b':'c d'/0`, `fun m:f/255`, `fun 'case':'end'/1`, `fun a:'x@y'/1`, `fun 'é':'日本'/2`, `fun a:'\001b'/0`, `fun a:'\x{85}'/0`,
	`fun 'a\nb':c/1`, `fun 'A':'_b'/3`, `fun ßx:'ÿ'/1`, `fun 'Ö':b/1`, `fun a:''/0`, `fun a:'\e\d'/0`, `fun a:b9_Z/1`,
	// nested and mixed
	`{a,[1,2,{b,<<"c">>}],#{d => "e"}}`, `[{ok,1},{error,"reason"},{'EXIT',{noproc,{gen_server,call,[x]}}}]`,
	`{state,undefined,[],#{},<<>>,0,0.0,false}`, `[[[[[[[[[[deep]]]]]]]]]]`, `{{{{{{{{{{deep}}}}}}}}}}`,
}

// bigCases are generated terms (large enough to make ~p break lines);
// each is an Erlang expression whose value Go builds the same way.
func bigCases() []confCase {
	var cs []confCase
	seq := func(n int) term.List {
		l := make(term.List, n)
		for i := range l {
			l[i] = term.Int(i + 1)
		}
		return l
	}
	for _, n := range []int{10, 30, 50, 100, 300} {
		cs = append(cs, confCase{fmt.Sprintf("lists:seq(1,%d)", n), seq(n)})
	}
	// tagged tuples with long contents
	for _, n := range []int{5, 20, 40} {
		cs = append(cs, confCase{fmt.Sprintf("{state, lists:seq(1,%d), [{key_%d, value}], \"some text that is long enough\"}", n, n),
			term.Tuple{term.Atom("state"), seq(n), term.List{term.Tuple{term.Atom(fmt.Sprintf("key_%d", n)), term.Atom("value")}}, term.String("some text that is long enough")}})
	}
	// proplists
	var pl []string
	var plg term.List
	for i := 0; i < 12; i++ {
		pl = append(pl, fmt.Sprintf("{option_number_%d, %d}", i, i*i))
		plg = append(plg, term.Tuple{term.Atom(fmt.Sprintf("option_number_%d", i)), term.Int(i * i)})
	}
	cs = append(cs, confCase{"[" + strings.Join(pl, ",") + "]", plg})
	// maps that need breaking
	var mp []string
	var mg []term.KV
	for i := 0; i < 10; i++ {
		mp = append(mp, fmt.Sprintf("key_%02d => {value, %d, \"text %d\"}", i, i, i))
		mg = append(mg, term.KV{Key: term.Atom(fmt.Sprintf("key_%02d", i)), Value: term.Tuple{term.Atom("value"), term.Int(i), term.String(fmt.Sprintf("text %d", i))}})
	}
	cs = append(cs, confCase{"#{" + strings.Join(mp, ",") + "}", term.NewMap(mg...)})
	// map with a long non-atomic value, and long keys
	cs = append(cs, confCase{`#{config => #{name => "a rather long name string", children => [child_one, child_two, child_three], flags => [a,b,c,d,e,f,g]}}`, nil})
	cs = append(cs, confCase{`#{{a_long_tuple_key, with, many, elements, inside, it} => [a_long_list, 'of', atoms, that, goes, on, 'and', on, 'and', on]}`, nil})
	// long binaries
	bin := make(term.Binary, 100)
	for i := range bin {
		bin[i] = byte(i * 7)
	}
	cs = append(cs, confCase{"list_to_binary([(I*7) band 255 || I <- lists:seq(0,99)])", bin})
	cs = append(cs, confCase{"<<(list_to_binary(lists:duplicate(100, $a)))/binary>>", term.Binary(strings.Repeat("a", 100))})
	cs = append(cs, confCase{"list_to_binary(lists:duplicate(30, <<1,2,3>>))", term.Binary(strings.Repeat("\x01\x02\x03", 30))})
	cs = append(cs, confCase{"<<(list_to_binary(lists:seq(1,40)))/binary, 5:3>>", term.NewBitstring(append(append([]byte{}, seqBytes(40)...), 5<<5), 3)})
	// long strings
	cs = append(cs, confCase{`lists:duplicate(120, $x)`, term.String(strings.Repeat("x", 120))})
	cs = append(cs, confCase{`[lists:duplicate(50, $y), lists:duplicate(50, $z)]`, term.List{term.String(strings.Repeat("y", 50)), term.String(strings.Repeat("z", 50))}})
	cs = append(cs, confCase{`{error, {badmatch, lists:duplicate(30, {a, "bc"})}}`, term.Tuple{term.Atom("error"), term.Tuple{term.Atom("badmatch"), repeatTerm(term.Tuple{term.Atom("a"), term.String("bc")}, 30)}}})
	// improper tails in long lists
	cs = append(cs, confCase{`[a_long_atom_number_one, a_long_atom_number_two, a_long_atom_number_three | a_long_tail_atom]`, nil})
	cs = append(cs, confCase{`[lists:seq(1,30) | {tail, lists:seq(1,20)}]`, term.Cons(term.List{seq(30)}, term.Tuple{term.Atom("tail"), seq(20)})})
	// a tagged tuple whose tag is long (TInd logic)
	cs = append(cs, confCase{`{a_very_long_tag_name_for_a_tuple, [1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20], {x, y}}`, nil})
	cs = append(cs, confCase{`[{a_very_long_tag_name_for_a_tuple_that_keeps_going_on_and_on, lists:seq(1,25)}]`,
		term.List{term.Tuple{term.Atom("a_very_long_tag_name_for_a_tuple_that_keeps_going_on_and_on"), seq(25)}}})
	// nesting
	cs = append(cs, confCase{`lists:foldl(fun(_, A) -> [A] end, x, lists:seq(1,40))`, nestList(40)})
	cs = append(cs, confCase{`lists:foldl(fun(I, A) -> {I, A, "s"} end, x, lists:seq(1,12))`, nestTuple(12)})
	// more than 32 keys: compared by value, OTP prints them in hash order
	return cs
}

func seqBytes(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i + 1)
	}
	return b
}

func repeatTerm(t term.Term, n int) term.List {
	l := make(term.List, n)
	for i := range l {
		l[i] = t
	}
	return l
}

func nestList(n int) term.Term {
	var t term.Term = term.Atom("x")
	for i := 0; i < n; i++ {
		t = term.List{t}
	}
	return t
}

func nestTuple(n int) term.Term {
	var t term.Term = term.Atom("x")
	for i := 1; i <= n; i++ {
		t = term.Tuple{term.Int(i), t, term.String("s")}
	}
	return t
}

// floatCases are random doubles of every magnitude, passed bit-exactly.
func floatCases(n int) []confCase {
	rng := rand.New(rand.NewPCG(1, 2))
	var cs []confCase
	add := func(f float64) {
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return
		}
		cs = append(cs, confCase{fmt.Sprintf("begin <<F:64/float>> = <<%d:64>>, F end", math.Float64bits(f)), term.Float(f)})
	}
	for i := 0; i < n; i++ {
		switch i % 4 {
		case 0:
			add(math.Float64frombits(rng.Uint64()))
		case 1:
			add(rng.Float64() * math.Pow(10, float64(rng.IntN(40)-20)))
		case 2:
			add(float64(rng.IntN(1<<20)) / math.Pow(10, float64(rng.IntN(8))))
		default:
			add(-float64(rng.Int64N(1<<62)) * math.Pow(2, float64(rng.IntN(20)-10)))
		}
	}
	for _, f := range []float64{1 << 53, 1<<53 + 2, 1 << 54, 1 << 52, (1 << 52) / 5 * 10, 9.999999999999999e22, 1e21, 1e-7, 123e-9} {
		add(f)
		add(-f)
	}
	return cs
}

// bigIntCases are integers around the 64-bit boundaries.
func bigIntCases() []confCase {
	var cs []confCase
	for _, e := range []uint{62, 63, 64, 65, 100, 200, 1000} {
		v := new(big.Int).Lsh(big.NewInt(1), e)
		for _, d := range []int64{-1, 0, 1} {
			w := new(big.Int).Add(v, big.NewInt(d))
			cs = append(cs, confCase{w.String(), term.BigInteger(w)})
			n := new(big.Int).Neg(w)
			cs = append(cs, confCase{n.String(), term.BigInteger(n)})
		}
	}
	return cs
}

package etf_test

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/avmsh/avmsh/internal/corpus"
	"github.com/avmsh/avmsh/internal/erltest"
	"github.com/avmsh/avmsh/vm/etf"
	"github.com/avmsh/avmsh/vm/term"
)

// confModule runs on the OTP node. For every record
// {Expr, OurEncoding, OurAtomVMEncoding | none} it evaluates Expr to get
// the expected term T, checks that binary_to_term of each of our
// encodings is =:= T, and returns OTP's own encodings of T.
const confModule = `-module(etf_conf).
-export([run/2, same/2]).

run(InFile, OutFile) ->
    {ok, Bin} = file:read_file(InFile),
    Recs = parse(Bin, 0, []),
    ok = file:write_file(OutFile, [check(R) || R <- Recs]),
    length(Recs).

parse(<<>>, _, Acc) -> lists:reverse(Acc);
parse(<<EL:32, E:EL/binary, OL:32, O:OL/binary, AL:32, Rest0/binary>>, I, Acc) ->
    {A, Rest} = case AL of
                    16#FFFFFFFF -> {none, Rest0};
                    _ -> <<Av:AL/binary, R/binary>> = Rest0, {Av, R}
                end,
    parse(Rest, I + 1, [{I, E, O, A} | Acc]).

check({I, Expr, Ours, Avm}) ->
    case eval(Expr) of
        {ok, T} ->
            S1 = same(Ours, T),
            S2 = case Avm of none -> 2; _ -> same(Avm, T) end,
            Bins = [term_to_binary(T), term_to_binary(T, [compressed]),
                    term_to_binary(T, [{minor_version, 0}]), term_to_binary(T, [{minor_version, 1}]),
                    term_to_binary(T, [{minor_version, 2}])],
            [<<I:32, 0, S1, S2, (length(Bins))>> | [[<<(byte_size(B)):32>>, B] || B <- Bins]];
        {error, Why} ->
            W = iolist_to_binary(io_lib:format("~0p", [Why])),
            [<<I:32, 1, (byte_size(W)):32>>, W]
    end.

%% same/2: 1 when Bin decodes to a term =:= T, 0 when it decodes to
%% another term, 3 when binary_to_term rejects it.
same(Bin, T) ->
    try binary_to_term(Bin) of
        T2 -> case T2 =:= T of true -> 1; false -> 0 end
    catch _:_ -> 3
    end.

eval(Expr) ->
    try
        {ok, Toks, _} = erl_scan:string(unicode:characters_to_list(Expr) ++ "."),
        {ok, Exprs} = erl_parse:parse_exprs(Toks),
        {value, V, _} = erl_eval:exprs(Exprs, erl_eval:new_bindings()),
        {ok, V}
    catch C:R -> {error, {C, R}}
    end.
`

type otpResult struct {
	label      string
	evalErr    string
	ours, avm  byte // etf_conf:same/2 codes; avm 2 = not sent
	otpEncoded [][]byte
}

func runConf(t *testing.T, n *erltest.Node, records []byte) []otpResult {
	t.Helper()
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.bin"), filepath.Join(dir, "out.bin")
	if err := os.WriteFile(in, records, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Second)
	defer cancel()
	if _, err := n.Call(ctx, fmt.Sprintf("etf_conf:run(%q, %q)", in, out)); err != nil {
		t.Fatalf("etf_conf:run on %s: %v", n.Name, err)
	}
	raw, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var res []otpResult
	for len(raw) > 0 {
		if len(raw) < 5 {
			t.Fatalf("short result record")
		}
		r := otpResult{}
		status := raw[4]
		raw = raw[5:]
		if status == 1 {
			l := binary.BigEndian.Uint32(raw)
			r.evalErr = string(raw[4 : 4+l])
			raw = raw[4+l:]
			res = append(res, r)
			continue
		}
		r.ours, r.avm = raw[0], raw[1]
		k := int(raw[2])
		raw = raw[3:]
		for range k {
			l := binary.BigEndian.Uint32(raw)
			r.otpEncoded = append(r.otpEncoded, raw[4:4+l])
			raw = raw[4+l:]
		}
		res = append(res, r)
	}
	return res
}

func appendRecord(dst []byte, expr string, ours, avm []byte, avmOK bool) []byte {
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(expr)))
	dst = append(dst, expr...)
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(ours)))
	dst = append(dst, ours...)
	if !avmOK {
		return binary.BigEndian.AppendUint32(dst, 0xFFFFFFFF)
	}
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(avm)))
	return append(dst, avm...)
}

var variantNames = []string{"term_to_binary(T)", "[compressed]", "[{minor_version,0}]", "[{minor_version,1}]", "[{minor_version,2}]"}

// TestOTPConformance checks every corpus term against a real OTP node:
// our decoding of OTP's encodings, OTP's decoding of ours (BEAM and
// AtomVM profiles), and the AtomVM profile's tag discipline.
func TestOTPConformance(t *testing.T) {
	n := erltest.Start(t, erltest.Options{Modules: map[string]string{"etf_conf": confModule}})
	entries := corpus.Entries()
	var records []byte
	avmRefused := 0
	for i, e := range entries {
		expr, err := corpus.Erlang(e.Term)
		if err != nil {
			t.Fatalf("%s: %v", e.Label, err)
		}
		ours, err := etf.Marshal(e.Term)
		if err != nil {
			t.Fatalf("%s: encode: %v", e.Label, err)
		}
		avm, err := etf.MarshalOptions(e.Term, &etf.EncodeOptions{Profile: etf.ProfileAtomVM})
		want := atomVMRepresentable(e.Term)
		switch {
		case err == nil && !want:
			t.Errorf("%s: AtomVM profile encoded a term AtomVM cannot decode", e.Label)
		case err != nil && want:
			t.Errorf("%s: AtomVM profile refused a representable term: %v", e.Label, err)
		case err != nil:
			var ee *etf.EncodeError
			if !errors.As(err, &ee) || !ee.AtomVM || !errors.Is(err, etf.ErrUnsupported) || !strings.Contains(err.Error(), "AtomVM peer") {
				t.Errorf("%s: AtomVM refusal is not a precise EncodeError: %v", e.Label, err)
			}
			avmRefused++
		default:
			if msg := checkAtomVMTags(avm); msg != "" {
				t.Errorf("%s: AtomVM profile: %s", e.Label, msg)
			}
		}
		_ = i
		records = appendRecord(records, expr, ours, avm, err == nil)
	}
	start := time.Now()
	res := runConf(t, n, records)
	t.Logf("%d terms checked on %s in %v (%d refused by the AtomVM profile, as expected)", len(res), n.Name, time.Since(start).Round(time.Millisecond), avmRefused)
	if len(res) != len(entries) {
		t.Fatalf("got %d results for %d terms", len(res), len(entries))
	}
	tags := map[byte]int{}
	failures := 0
	fail := func(format string, args ...any) {
		failures++
		if failures <= 30 {
			t.Errorf(format, args...)
		}
	}
	for i, r := range res {
		e := entries[i]
		if r.evalErr != "" {
			fail("%s: the Erlang source did not evaluate: %s", e.Label, r.evalErr)
			continue
		}
		if r.ours != 1 {
			fail("%s: OTP binary_to_term of our encoding: %s", e.Label, sameMeaning(r.ours))
		}
		if r.avm != 1 && r.avm != 2 {
			fail("%s: OTP binary_to_term of our AtomVM-profile encoding: %s", e.Label, sameMeaning(r.avm))
		}
		for v, b := range r.otpEncoded {
			countTags(b, tags)
			got, err := etf.Unmarshal(b)
			if err != nil {
				fail("%s: decode OTP's %s: %v", e.Label, variantNames[v], err)
				continue
			}
			if !term.ExactEqual(got, e.Term) {
				fail("%s: decode OTP's %s: got %s, want %s", e.Label, variantNames[v], etf.Describe(got, 60), etf.Describe(e.Term, 60))
			}
		}
	}
	if failures > 30 {
		t.Errorf("... %d failures in all", failures)
	}
	t.Logf("tags seen in OTP's encodings: %v", tags)
}

func sameMeaning(c byte) string {
	switch c {
	case 0:
		return "decodes to a different term"
	case 3:
		return "rejected (badarg)"
	}
	return fmt.Sprintf("code %d", c)
}

// TestOTPLive round-trips terms made on a live node: decoded from the
// node's ETF by corpus.Live, re-encoded by us and compared with =:= on
// the node.
func TestOTPLive(t *testing.T) {
	n := erltest.Start(t, erltest.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	live, err := corpus.Live(ctx, n)
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range live {
		b, err := etf.Marshal(e.Term)
		if err != nil {
			t.Errorf("%s: encode: %v", e.Label, err)
			continue
		}
		got := n.Eval(t, fmt.Sprintf("binary_to_term(binary:decode_hex(<<\"%x\">>)) =:= lists:nth(%d, get(%s))", b, i+1, corpus.LiveKey))
		if got != "true" {
			t.Errorf("%s: OTP says our re-encoding of %s is not =:= the original", e.Label, etf.Describe(e.Term, 60))
		}
	}
	// Every live term is what OTP's own printer says it is.
	if len(live) == 0 {
		t.Fatal("no live terms")
	}
}

// TestOTPLegacyTags feeds the hand-built legacy encodings (tags OTP 25
// no longer emits: 101, 102, 103, 114, 115, 117, ...) to OTP's
// binary_to_term and checks that OTP and we read the same term.
func TestOTPLegacyTags(t *testing.T) {
	n := erltest.Start(t, erltest.Options{})
	for _, c := range legacyCases {
		res, err := n.Call(context.Background(), fmt.Sprintf(
			"try {ok, binary_to_term(binary:decode_hex(<<\"%x\">>))} catch error:badarg -> badarg end", c.bytes))
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if res.Text == "badarg" {
			if c.otp {
				t.Errorf("%s: OTP rejects it", c.name)
			} else {
				t.Logf("%s: OTP 25 rejects it; we decode it to %s", c.name, etf.Describe(c.want, 60))
			}
			continue
		}
		if !c.otp {
			t.Logf("%s: OTP 25 accepts it as %s", c.name, res.Text)
		}
		got, err := etf.Unmarshal(res.ETF)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		want := term.Tuple{term.Atom("ok"), c.want}
		if !term.ExactEqual(got, want) {
			t.Errorf("%s: OTP reads %s, we read %s", c.name, res.Text, etf.Describe(c.want, 60))
		}
	}
}

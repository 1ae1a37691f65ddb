package iolib

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/avmsh/avmsh/internal/corpus"
	"github.com/avmsh/avmsh/internal/erltest"
	"github.com/avmsh/avmsh/vm/syntax"
	"github.com/avmsh/avmsh/vm/term"
)

// TestCharsToStringMatchesOTP compares CharsToString with
// unicode:characters_to_binary/2 on a real node.
func TestCharsToStringMatchesOTP(t *testing.T) {
	n := otp.Node(t)
	data := []string{
		`"abc"`, `[]`, `<<>>`, `[<<"ab">>, $c, [$d, [<<"é"/utf8>>]]]`, `[$a | <<"bc">>]`, `"日本"`,
		`[<<"日本"/utf8>>, 256, 1114111]`, `[233, <<233>>]`, `[[[[[[]]]]]]`, `<<255>>`, `[-1]`, `[16#D800]`,
		`[1114112]`, `[a]`, `{a}`, `[<<1:3>>]`, `[$a | b]`,
	}
	for _, enc := range []syntax.Encoding{syntax.Unicode, syntax.Latin1} {
		var calls []erltest.FormatCase
		for _, d := range data {
			calls = append(calls, erltest.FormatCase{Fmt: "~s", Args: "[case unicode:characters_to_binary(" + d + ", " + enc.String() + ") of B when is_binary(B) -> binary_to_list(B); _ -> error(badarg) end]"})
		}
		out := erltest.Format(t, n, calls)
		for i, d := range data {
			v, err := syntax.Parse(d, syntax.ParseOptions{})
			if err != nil {
				t.Fatal(err)
			}
			got, gerr := CharsToString(v, enc)
			if cgot, cerr := CharsToString(corpus.Compact(v), enc); cgot != got || (cerr != nil) != (gerr != nil) {
				t.Errorf("%s %s: compact form gives %q (%v), plain %q (%v)", enc, d, cgot, cerr, got, gerr)
			}
			want := out[i]
			if strings.HasPrefix(want, erltest.FormatError) {
				if gerr == nil {
					t.Errorf("%s %s: OTP fails, Go returned %q", enc, d, got)
				} else if !errors.Is(gerr, ErrBadArg) {
					t.Errorf("%s %s: %v does not wrap ErrBadArg", enc, d, gerr)
				}
				continue
			}
			// OTP's bytes, read back as latin1 characters by ~s.
			wantBytes := make([]byte, 0, len(want))
			for _, r := range want {
				wantBytes = append(wantBytes, byte(r))
			}
			if gerr != nil || got != string(wantBytes) {
				t.Errorf("%s %s: OTP %q, Go %q (%v)", enc, d, wantBytes, got, gerr)
			}
		}
	}
}

func TestFormatTermAndPutChars(t *testing.T) {
	n := otp.Node(t)
	type tc struct{ fmt, args string }
	cases := []tc{
		{`"~w~n"`, `[ok]`}, {`<<"~w">>`, `[ok]`}, {`<<"é~w"/utf8>>`, `[x]`}, {`'~w-~w'`, `[a, b]`},
		{`"~s"`, `["x"]`}, {`[126, 119]`, `[y]`},
	}
	var calls []erltest.FormatCase
	for _, c := range cases {
		calls = append(calls, erltest.FormatCase{Fmt: "~ts", Args: "[io_lib:format(" + c.fmt + ", " + c.args + ")]"})
	}
	out := erltest.Format(t, n, calls)
	for i, c := range cases {
		f, _ := syntax.Parse(c.fmt, syntax.ParseOptions{})
		a, _ := syntax.Parse(c.args, syntax.ParseOptions{})
		got, err := FormatTerm(f, a, Options{})
		if err != nil || got != out[i] {
			t.Errorf("io_lib:format(%s, %s): OTP %q, Go %q (%v)", c.fmt, c.args, out[i], got, err)
		}
		mfa, err := PutCharsMFA(syntax.Unicode, "io_lib", "format", term.List{f, a}, Options{})
		if err != nil || mfa != got {
			t.Errorf("PutCharsMFA: %q %v", mfa, err)
		}
		compact := corpus.Compact(term.List{f, a})
		if mfa, err := PutCharsMFA(syntax.Unicode, "io_lib", "format", compact, Options{}); err != nil || mfa != got {
			t.Errorf("PutCharsMFA of the compact form %#v: %q %v", compact, mfa, err)
		}
	}
	if _, err := FormatTerm(term.Int(1), term.Nil, Options{}); !errors.Is(err, ErrBadArg) {
		t.Errorf("integer format: %v", err)
	}
	if _, err := FormatTerm(term.String("~w"), term.Atom("x"), Options{}); !errors.Is(err, ErrBadArg) {
		t.Errorf("non-list args: %v", err)
	}
	if _, err := PutCharsMFA(syntax.Latin1, "io_lib", "format", term.List{term.String("~tw"), term.List{term.Atom("日本")}}, Options{}); !errors.Is(err, ErrBadArg) {
		t.Errorf("latin1 put_chars of wide characters: %v", err)
	}
	if _, err := PutCharsMFA(syntax.Unicode, "erlang", "halt", term.Nil, Options{}); !errors.Is(err, ErrBadArg) {
		t.Errorf("arbitrary MFA: %v", err)
	}
	if b, err := Encode("é", syntax.Latin1); err != nil || string(b) != "\xe9" {
		t.Errorf("Encode latin1: %q %v", b, err)
	}
}

func FuzzFormat(f *testing.F) {
	for _, s := range []string{"~w", "~10.3.*p~n", "~-*.*s|", "~.16#~tp", "~e~f~g", "~~~c~i", "~5.2.xW", "~tlP", "~*.*.*w"} {
		f.Add(s)
	}
	args := term.List{term.Int(5), term.Int(3), term.Int('x'), term.Float(2.5), term.String("abc"),
		term.Tuple{term.Atom("a"), term.Binary("b")}, term.Int(2), term.Atom("z"), term.Int(7), term.Int(1)}
	f.Fuzz(func(t *testing.T, format string) {
		for n := 0; n <= len(args); n++ {
			s, err := Format(format, args[:n], Options{})
			if err != nil && !errors.Is(err, ErrBadArg) {
				t.Fatalf("Format(%q): error %v does not wrap ErrBadArg", format, err)
			}
			if err == nil && !utf8.ValidString(s) {
				t.Fatalf("Format(%q) returned invalid UTF-8 %q", format, s)
			}
		}
	})
}

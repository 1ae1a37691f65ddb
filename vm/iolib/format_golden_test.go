package iolib

import (
	"bufio"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/avmsh/avmsh/internal/corpus"
	"github.com/avmsh/avmsh/internal/erltest"
	"github.com/avmsh/avmsh/vm/syntax"
	"github.com/avmsh/avmsh/vm/term"
)

// otp is the erl node the io_lib:format conformance tests share.
var otp erltest.FormatNode

func TestMain(m *testing.M) {
	code := m.Run()
	otp.Stop()
	os.Exit(code)
}

// goldenCase is one line of testdata/format_cases.txt.
type goldenCase struct {
	line    int
	fmtText string // the Erlang string literal
	format  string
	goArgs  []term.Term
	erlArgs string
}

func loadGolden(t *testing.T) []goldenCase {
	t.Helper()
	f, err := os.Open("testdata/format_cases.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var cases []goldenCase
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	n := 0
	for sc.Scan() {
		n++
		line := sc.Text()
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		parts := strings.Split(line, " :: ")
		if len(parts) != 2 && len(parts) != 3 {
			t.Fatalf("format_cases.txt:%d: want FORMAT :: ARGS [:: ERLARGS]", n)
		}
		ft, err := syntax.Parse(parts[0], syntax.ParseOptions{})
		if err != nil {
			t.Fatalf("format_cases.txt:%d: format: %v", n, err)
		}
		fs, ok := term.CharList(ft)
		if !ok {
			t.Fatalf("format_cases.txt:%d: format is not a string", n)
		}
		at, err := syntax.Parse(parts[1], syntax.ParseOptions{})
		if err != nil {
			t.Fatalf("format_cases.txt:%d: args: %v", n, err)
		}
		args, ok := at.(term.List)
		if !ok {
			t.Fatalf("format_cases.txt:%d: args must be a list", n)
		}
		c := goldenCase{line: n, fmtText: parts[0], format: fs, goArgs: args, erlArgs: parts[1]}
		if len(parts) == 3 {
			c.erlArgs = parts[2]
		}
		cases = append(cases, c)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return cases
}

func TestFormatMatchesOTP(t *testing.T) {
	cases := loadGolden(t)
	if len(cases) < 150 {
		t.Fatalf("only %d golden cases", len(cases))
	}
	n := otp.Node(t)
	calls := make([]erltest.FormatCase, len(cases))
	for i, c := range cases {
		calls[i] = erltest.FormatCase{Fmt: c.format, Args: c.erlArgs}
	}
	out := erltest.Format(t, n, calls)
	errs := 0
	for i, c := range cases {
		want := out[i]
		got, err := Format(c.format, c.goArgs, Options{})
		otpFailed := strings.HasPrefix(want, erltest.FormatError)
		switch {
		case otpFailed && err == nil:
			t.Errorf("line %d: io_lib:format(%s, %s): OTP raised %s, Go returned %q", c.line, c.fmtText, c.erlArgs, strings.TrimPrefix(want, erltest.FormatError), got)
		case otpFailed:
			errs++
			if !errors.Is(err, ErrBadArg) {
				t.Errorf("line %d: error %v does not wrap ErrBadArg", c.line, err)
			}
		case err != nil:
			t.Errorf("line %d: io_lib:format(%s, %s): Go failed: %v; OTP: %q", c.line, c.fmtText, c.erlArgs, err, want)
		case got != want:
			t.Errorf("line %d: io_lib:format(%s, %s):\n  OTP: %q\n  Go:  %q", c.line, c.fmtText, c.erlArgs, want, got)
		}
		// The same with the format and every string of the arguments in
		// the compact form a peer's terms arrive in (term.Chars).
		cgot, cerr := FormatTerm(corpus.Compact(term.String(c.format)), corpus.Compact(term.List(c.goArgs)), Options{})
		if (cerr != nil) != (err != nil) || cgot != got {
			t.Errorf("line %d: io_lib:format(%s, %s) with compact strings: %q (%v), plain %q (%v)", c.line, c.fmtText, c.erlArgs, cgot, cerr, got, err)
		}
	}
	t.Logf("%d cases compared with OTP (%d of them badarg on both sides)", len(cases), errs)
}

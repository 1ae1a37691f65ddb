package erltest

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// The io_lib:format reference of the formatting conformance tests
// (vm/syntax, vm/iolib): batches of calls run on a real erl node, their
// results returned through a file.

// FormatCase is one io_lib:format call run on a real node: Fmt is the format
// string, Args an Erlang expression evaluating to the argument list.
type FormatCase struct {
	Fmt  string
	Args string
}

// FormatError marks a formatting call that raised on the node.
const FormatError = "\x00ERR "

// formatFun is installed once per node: it takes [{HexFmt, HexArgs}]
// and returns <<Len:32, UTF8:Len/binary, ...>> with one entry per pair.
const formatFun = `OtpFmt = fun(Out, Items) ->
  Eval = fun(Src) ->
    {ok, Ts, _} = erl_scan:string(Src),
    {ok, Es} = erl_parse:parse_exprs(Ts),
    {value, V, _} = erl_eval:exprs(Es, []),
    V
  end,
  One = fun({HF, HA}) ->
    F = unicode:characters_to_list(binary:decode_hex(HF)),
    A = unicode:characters_to_list(binary:decode_hex(HA)),
    try unicode:characters_to_binary(io_lib:format(F, Eval(A ++ "."))) of
      B when is_binary(B) -> B;
      Other -> iolist_to_binary(["\x00ERR characters_to_binary ", io_lib:format("~w", [Other])])
    catch C:E -> iolist_to_binary(["\x00ERR ", io_lib:format("~w:~w", [C, E])])
    end
  end,
  ok = file:write_file(Out, [begin B = One(I), [<<(byte_size(B)):32>>, B] end || I <- Items])
end,
OtpFmtFile = fun(Path, Out, Fmts) ->
  {ok, Blob} = file:read_file(Path),
  Split = fun Split(<<>>, Acc) -> lists:reverse(Acc);
              Split(<<L:32, E:L/binary, Rest/binary>>, Acc) -> Split(Rest, [E | Acc])
          end,
  ok = file:write_file(Out, [begin
      T = binary_to_term(E),
      [begin
         B = try unicode:characters_to_binary(io_lib:format(F, [T]))
             catch C:R -> iolist_to_binary(["\x00ERR ", io_lib:format("~w:~w", [C, R])])
             end,
         [<<(byte_size(B)):32>>, B]
       end || F <- Fmts]
    end || E <- Split(Blob, [])])
end.`

// FormatNode is an erl node shared by a test binary's io_lib:format
// conformance tests (vm/syntax, vm/iolib): started on first use, with
// the formatting funs installed; stop it from TestMain. The zero value
// is ready.
type FormatNode struct {
	once sync.Once
	n    *Node
	err  error
}

// Node returns the shared node, starting it the first time.
func (f *FormatNode) Node(t testing.TB) *Node {
	t.Helper()
	Require(t)
	f.once.Do(func() {
		n, err := Launch(context.Background(), Options{})
		if err != nil {
			f.err = err
			return
		}
		f.n = n
		f.err = InstallFormat(context.Background(), n)
	})
	if f.err != nil {
		t.Fatalf("erl node: %v", f.err)
	}
	return f.n
}

// Stop stops the node if it was started.
func (f *FormatNode) Stop() {
	if f.n != nil {
		f.n.Stop()
	}
}

// InstallFormat defines the funs Format and FormatETF call (OtpFmt,
// OtpFmtFile) in n's evaluation bindings.
func InstallFormat(ctx context.Context, n *Node) error {
	_, err := n.Call(ctx, formatFun)
	return err
}

// Format runs every case on the node in batches and returns OTP's
// output (UTF-8), or FormatError + reason for calls that raised.
func Format(t testing.TB, n *Node, cases []FormatCase) []string {
	t.Helper()
	var out []string
	const batch = 400
	for start := 0; start < len(cases); start += batch {
		end := min(start+batch, len(cases))
		var sb strings.Builder
		sb.WriteString("OtpFmt(%q, [")
		for i, c := range cases[start:end] {
			if i > 0 {
				sb.WriteByte(',')
			}
			fmt.Fprintf(&sb, `{<<"%s">>,<<"%s">>}`, hex.EncodeToString([]byte(c.Fmt)), hex.EncodeToString([]byte(c.Args)))
		}
		sb.WriteString("])")
		out = append(out, formatCall(t, n, sb.String())...)
	}
	if len(out) != len(cases) {
		t.Fatalf("got %d results for %d cases", len(out), len(cases))
	}
	return out
}

// formatCall evaluates expr, whose %q verb names the file the node writes
// its results to (<<Len:32, Text/binary, ...>>), and splits them. The
// results travel through a file: printing megabytes of reply with ~w,
// as the erltest protocol does, would dominate the run time.
func formatCall(t testing.TB, n *Node, expr string) []string {
	t.Helper()
	outPath := filepath.Join(t.TempDir(), "otp-out.bin")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	full := fmt.Sprintf(expr, outPath)
	if _, err := n.Call(ctx, full); err != nil {
		msg := err.Error()
		if len(msg) > 300 {
			msg = msg[:150] + " ... " + msg[len(msg)-150:]
		}
		t.Fatalf("formatting on %s (%d bytes of source): %s", n.Name, len(full), msg)
	}
	b, err := os.ReadFile(outPath)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for len(b) >= 4 {
		l := binary.BigEndian.Uint32(b)
		if int(l) > len(b)-4 {
			t.Fatalf("truncated result file")
		}
		out = append(out, string(b[4:4+l]))
		b = b[4+l:]
	}
	return out
}

// FormatETF prints each term (given as its external format) with each
// of fmts on the node; the result has len(etfs)*len(fmts) entries.
func FormatETF(t testing.TB, n *Node, etfs [][]byte, fmts []string) []string {
	t.Helper()
	var fl []string
	for _, f := range fmts {
		fl = append(fl, fmt.Sprintf("%q", f))
	}
	fmtList := "[" + strings.Join(fl, ",") + "]"
	// The terms travel through a file: scanning megabytes of Erlang
	// source on the node would dominate the test's run time.
	f, err := os.CreateTemp(t.TempDir(), "terms-*.bin")
	if err != nil {
		t.Fatal(err)
	}
	var hdr [4]byte
	for _, e := range etfs {
		binary.BigEndian.PutUint32(hdr[:], uint32(len(e)))
		f.Write(hdr[:])
		f.Write(e)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	out := formatCall(t, n, fmt.Sprintf("OtpFmtFile(%q, %%q, %s)", f.Name(), fmtList))
	if len(out) != len(etfs)*len(fmts) {
		t.Fatalf("got %d results for %d terms x %d formats", len(out), len(etfs), len(fmts))
	}
	return out
}

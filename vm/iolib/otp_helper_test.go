package iolib

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

	"github.com/avmsh/avmsh/internal/erltest"
)

// otpCase is one io_lib:format call run on a real node: Fmt is the format
// string, Args an Erlang expression evaluating to the argument list.
type otpCase struct {
	Fmt  string
	Args string
}

// otpErrPrefix marks a formatting call that raised on the node.
const otpErrPrefix = "\x00ERR "

// otpFormatFun is installed once per node: it takes [{HexFmt, HexArgs}]
// and returns <<Len:32, UTF8:Len/binary, ...>> with one entry per pair.
const otpFormatFun = `OtpFmt = fun(Out, Items) ->
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

var (
	otpNodeOnce sync.Once
	otpNode     *erltest.Node
	otpNodeErr  error
)

// sharedNode starts one erl node for the whole test binary (stopped by
// TestMain).
func sharedNode(t testing.TB) *erltest.Node {
	t.Helper()
	erltest.Require(t)
	otpNodeOnce.Do(func() {
		n, err := erltest.Launch(context.Background(), erltest.Options{})
		if err != nil {
			otpNodeErr = err
			return
		}
		otpNode = n
		if _, err := n.Call(context.Background(), otpFormatFun); err != nil {
			otpNodeErr = err
		}
	})
	if otpNodeErr != nil {
		t.Fatalf("erl node: %v", otpNodeErr)
	}
	return otpNode
}

// otpFormat runs every case on the node in batches and returns OTP's
// output (UTF-8), or otpErrPrefix + reason for calls that raised.
func otpFormat(t testing.TB, n *erltest.Node, cases []otpCase) []string {
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
		out = append(out, otpCall(t, n, sb.String())...)
	}
	if len(out) != len(cases) {
		t.Fatalf("got %d results for %d cases", len(out), len(cases))
	}
	return out
}

// otpCall evaluates expr, whose %q verb names the file the node writes
// its results to (<<Len:32, Text/binary, ...>>), and splits them. The
// results travel through a file: printing megabytes of reply with ~w,
// as the erltest protocol does, would dominate the run time.
func otpCall(t testing.TB, n *erltest.Node, expr string) []string {
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

// otpFormatETF prints each term (given as its external format) with each
// of fmts on the node; the result has len(etfs)*len(fmts) entries.
func otpFormatETF(t testing.TB, n *erltest.Node, etfs [][]byte, fmts []string) []string {
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
	out := otpCall(t, n, fmt.Sprintf("OtpFmtFile(%q, %%q, %s)", f.Name(), fmtList))
	if len(out) != len(etfs)*len(fmts) {
		t.Fatalf("got %d results for %d terms x %d formats", len(out), len(etfs), len(fmts))
	}
	return out
}

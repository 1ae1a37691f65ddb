package main

import (
	"context"
	"encoding/binary"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/avmsh/avmsh/internal/corpus"
	"github.com/avmsh/avmsh/internal/erltest"
	"github.com/avmsh/avmsh/vm/etf"
	"github.com/avmsh/avmsh/vm/term"
)

const benchModule = `-module(etf_bench).
-export([load/2, run/4]).

load(In, Out) ->
    {ok, Bin} = file:read_file(In),
    Ts = [binary_to_term(B) || B <- split(Bin, [])],
    Bins = [term_to_binary(T) || T <- Ts],
    persistent_term:put(etf_bench, {list_to_tuple(Ts), list_to_tuple(Bins)}),
    ok = file:write_file(Out, [[<<(byte_size(B)):32>>, B] || B <- Bins]),
    length(Ts).

split(<<>>, Acc) -> lists:reverse(Acc);
split(<<L:32, B:L/binary, Rest/binary>>, Acc) -> split(Rest, [B | Acc]).

%% run(decode | encode, Indices, MinMicros, Rounds): the best time in
%% nanoseconds for one pass over the selected terms, measured in a fresh
%% process, iterating until each round lasts at least MinMicros.
run(Op, Idx, MinMicros, Rounds) ->
    {Ts, Bins} = persistent_term:get(etf_bench),
    Sel = case Op of
              decode -> [element(I, Bins) || I <- Idx];
              encode -> [element(I, Ts) || I <- Idx]
          end,
    Self = self(),
    Pid = spawn(fun() -> Self ! {self(), best(Op, Sel, MinMicros, Rounds, infinity)} end),
    receive {Pid, R} -> R end.

best(_, _, _, 0, Best) -> Best;
best(Op, Sel, MinMicros, Rounds, Best) ->
    {Iters, Micros} = calibrate(Op, Sel, MinMicros, 1),
    best(Op, Sel, MinMicros, Rounds - 1, min(Best, Micros * 1000 / Iters)).

calibrate(Op, Sel, MinMicros, N) ->
    {T, ok} = timer:tc(fun() -> loop(Op, Sel, N) end),
    case T >= MinMicros of
        true -> {N, T};
        false -> calibrate(Op, Sel, MinMicros, N * 2)
    end.

%% The results are used (returned or summed) so that the compiler
%% cannot drop the calls.
loop(_, _, 0) -> ok;
loop(decode, Sel, N) -> _ = dec(Sel, []), loop(decode, Sel, N - 1);
loop(encode, Sel, N) -> _ = enc(Sel, 0), loop(encode, Sel, N - 1).

dec([], Last) -> Last;
dec([B | Bs], _) -> dec(Bs, binary_to_term(B)).

enc([], Size) -> Size;
enc([T | Ts], Size) -> enc(Ts, Size + byte_size(term_to_binary(T))).
`

type category struct {
	name string
	keep func(size int) bool
}

var categories = []category{
	{"whole corpus", func(int) bool { return true }},
	{"small terms (< 256 B)", func(n int) bool { return n < 256 }},
	{"medium terms (256 B .. 16 KiB)", func(n int) bool { return n >= 256 && n < 16<<10 }},
	{"large terms (≥ 16 KiB)", func(n int) bool { return n >= 16<<10 }},
}

func main() {
	rounds := flag.Int("rounds", 5, "timed rounds per measurement (best is kept)")
	minDur := flag.Duration("min", 300*time.Millisecond, "minimum duration of one round")
	flag.Parse()
	if err := run(*rounds, *minDur); err != nil {
		fmt.Fprintln(os.Stderr, "bench/etf:", err)
		os.Exit(1)
	}
}

func run(rounds int, minDur time.Duration) error {
	ctx := context.Background()
	n, err := erltest.Launch(ctx, erltest.Options{Modules: map[string]string{"etf_bench": benchModule}})
	if err != nil {
		return fmt.Errorf("start erl (is OTP installed?): %w", err)
	}
	defer n.Stop()
	dir, err := os.MkdirTemp("", "etf-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	entries := corpus.Entries()
	labels := make([]string, len(entries))
	var in []byte
	for i, e := range entries {
		labels[i] = e.Label
		b, err := etf.Marshal(e.Term)
		if err != nil {
			return fmt.Errorf("%s: %w", e.Label, err)
		}
		in = binary.BigEndian.AppendUint32(in, uint32(len(b)))
		in = append(in, b...)
	}
	inPath, outPath := filepath.Join(dir, "in"), filepath.Join(dir, "out")
	if err := os.WriteFile(inPath, in, 0o644); err != nil {
		return err
	}
	// Keep only bytes live while decoding is measured, as in a node's
	// connection reader; the Go terms are rebuilt after the decode runs.
	entries, in = nil, nil
	if _, err := n.Call(ctx, fmt.Sprintf("etf_bench:load(%q, %q)", inPath, outPath)); err != nil {
		return err
	}
	raw, err := os.ReadFile(outPath)
	if err != nil {
		return err
	}
	var otpBins [][]byte
	for len(raw) > 0 {
		l := binary.BigEndian.Uint32(raw)
		otpBins = append(otpBins, raw[4:4+l])
		raw = raw[4+l:]
	}
	for i, b := range otpBins {
		if _, err := etf.Unmarshal(b); err != nil {
			return fmt.Errorf("%s: decode OTP's encoding: %w", labels[i], err)
		}
	}
	var terms []term.Term // decoded after the decode measurements

	rel, err := n.Call(ctx, "list_to_atom(erlang:system_info(otp_release))")
	if err != nil {
		return err
	}
	fmt.Printf("ETF codec vs BEAM (OTP %s), %d corpus terms, %d bytes as OTP encodes them, GOMAXPROCS=%d\n",
		rel.Text, len(otpBins), total(otpBins), runtime.GOMAXPROCS(0))
	fmt.Printf("best of %d rounds of ≥ %v; ns per pass over the selected terms\n\n", rounds, minDur)
	fmt.Printf("%-32s %6s %10s %14s %14s %12s %7s\n", "terms", "count", "bytes", "BEAM ns", "avmsh ns", "allocs/pass", "ratio")
	for _, op := range []string{"decode", "encode"} {
		if op == "encode" {
			terms = make([]term.Term, len(otpBins))
			for i, b := range otpBins {
				terms[i], _ = etf.Unmarshal(b)
			}
		}
		for _, c := range categories {
			var idx []int
			var sel [][]byte
			var selT []term.Term
			for i, b := range otpBins {
				if c.keep(len(b)) {
					idx = append(idx, i)
					sel = append(sel, b)
					if terms != nil {
						selT = append(selT, terms[i])
					}
				}
			}
			if len(idx) == 0 {
				continue
			}
			beam, err := beamTime(ctx, n, op, idx, minDur, rounds)
			if err != nil {
				return err
			}
			var ours time.Duration
			var allocs float64
			if op == "decode" {
				ours, allocs, err = goTime(minDur, rounds, decodeAll(sel))
			} else {
				ours, allocs, err = goTime(minDur, rounds, encodeAll(selT))
			}
			if err != nil {
				return err
			}
			fmt.Printf("%-32s %6d %10d %14.0f %14.0f %12.0f %7.2f\n", op+" "+c.name, len(idx), total(sel),
				beam, float64(ours.Nanoseconds()), allocs, float64(ours.Nanoseconds())/beam)
		}
	}
	return nil
}

func total(bs [][]byte) int {
	s := 0
	for _, b := range bs {
		s += len(b)
	}
	return s
}

func beamTime(ctx context.Context, n *erltest.Node, op string, idx []int, minDur time.Duration, rounds int) (float64, error) {
	var sb strings.Builder
	for i, x := range idx {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString(strconv.Itoa(x + 1))
	}
	cctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	r, err := n.Call(cctx, fmt.Sprintf("etf_bench:run(%s, [%s], %d, %d)", op, sb.String(), minDur.Microseconds(), rounds))
	if err != nil {
		return 0, err
	}
	return strconv.ParseFloat(r.Text, 64)
}

func decodeAll(bins [][]byte) func() error {
	opts := &etf.DecodeOptions{Atoms: etf.NewAtomTable(0)}
	return func() error {
		for _, b := range bins {
			if _, _, err := etf.Decode(b, 0, opts); err != nil {
				return err
			}
		}
		return nil
	}
}

func encodeAll(ts []term.Term) func() error {
	var buf []byte
	return func() error {
		var err error
		for _, t := range ts {
			if buf, err = etf.AppendTerm(buf[:0], t, nil); err != nil {
				return err
			}
		}
		return nil
	}
}

// goTime returns the best time of one call to f over rounds rounds of
// at least minDur each, and the heap allocations per call.
func goTime(minDur time.Duration, rounds int, f func() error) (time.Duration, float64, error) {
	best := time.Duration(1<<63 - 1)
	var allocs float64
	for range rounds {
		iters := 1
		for {
			runtime.GC()
			var m0, m1 runtime.MemStats
			runtime.ReadMemStats(&m0)
			start := time.Now()
			for range iters {
				if err := f(); err != nil {
					return 0, 0, err
				}
			}
			d := time.Since(start)
			runtime.ReadMemStats(&m1)
			if d >= minDur {
				best = min(best, d/time.Duration(iters))
				allocs = float64(m1.Mallocs-m0.Mallocs) / float64(iters)
				break
			}
			iters *= 2
		}
	}
	return best, allocs, nil
}

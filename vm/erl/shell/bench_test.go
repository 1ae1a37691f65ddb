package shell

import (
	"context"
	"strings"
	"testing"
)

// BenchmarkHugeLiteral evaluates one command holding an 8 MiB literal
// (the multi-line binary: 40,000 lines of integers, 840,000 tokens,
// near parse.MaxTokens)
// (issue 15, defect 18): scanning, splitting, parsing and evaluation
// must stay linear. The throughput (MB/s) and allocated bytes per op are
// the figures to watch; docs/benchmarks.md has the 50 MB end-to-end run.
func BenchmarkHugeLiteral(b *testing.B) {
	const n = 8 << 20
	for _, c := range []struct{ name, src string }{
		{"binary", "X = <<\"" + strings.Repeat("a", n) + "\">>, byte_size(X).\n"},
		{"escaped-binary", "X = <<\"\\t" + strings.Repeat("a", n) + "\">>, byte_size(X).\n"},
		{"string", "X = \"" + strings.Repeat("a", n) + "\", length(X).\n"},
		{"multi-line-binary", "X = <<" + strings.Repeat("1,2,3,4,5,6,7,8,9,10,\n", 40000) + "0>>, byte_size(X).\n"},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.src)))
			b.ReportAllocs()
			for range b.N {
				s := New(&memHost{}, Options{})
				out, err := s.Eval(context.Background(), c.src)
				if err != nil || strings.HasPrefix(out, "*") {
					b.Fatalf("%q %v", out[:min(len(out), 80)], err)
				}
			}
		})
	}
}

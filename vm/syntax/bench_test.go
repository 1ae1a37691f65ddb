package syntax

import (
	"fmt"
	"testing"

	"github.com/avmsh/avmsh/vm/term"
)

func benchTerms() map[string]term.Term {
	bin := make(term.Binary, 1<<20)
	for i := range bin {
		bin[i] = byte(i)
	}
	text := make(term.Binary, 1<<20)
	for i := range text {
		text[i] = 'a' + byte(i%26)
	}
	list := make(term.List, 100_000)
	for i := range list {
		list[i] = term.Int(i)
	}
	records := make(term.List, 1000)
	for i := range records {
		records[i] = term.Tuple{term.Atom("user"), term.Int(i), term.String(fmt.Sprintf("name %d", i)),
			term.NewMap(term.KV{Key: term.Atom("admin"), Value: term.Bool(i%7 == 0)}, term.KV{Key: term.Atom("tags"), Value: term.List{term.Atom("a"), term.Atom("b")}})}
	}
	return map[string]term.Term{
		"binary1MB":   bin,
		"text1MB":     text,
		"list100k":    list,
		"records1000": records,
		"small":       term.Tuple{term.Atom("ok"), term.List{term.Int(1), term.Float(2.5), term.String("three")}, term.Binary("four")},
	}
}

func BenchmarkWrite(b *testing.B) {
	for name, t := range benchTerms() {
		b.Run(name, func(b *testing.B) {
			var buf []byte
			for b.Loop() {
				buf = AppendWrite(buf[:0], t, Options{})
			}
			b.SetBytes(int64(len(buf)))
		})
	}
}

func BenchmarkPretty(b *testing.B) {
	for name, t := range benchTerms() {
		b.Run(name, func(b *testing.B) {
			var buf []byte
			for b.Loop() {
				buf = AppendPretty(buf[:0], t, Options{})
			}
			b.SetBytes(int64(len(buf)))
		})
	}
}

func BenchmarkParse(b *testing.B) {
	for name, t := range benchTerms() {
		if name == "binary1MB" || name == "text1MB" {
			continue
		}
		s := Write(t, Options{})
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(s)))
			for b.Loop() {
				if _, err := Parse(s, ParseOptions{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

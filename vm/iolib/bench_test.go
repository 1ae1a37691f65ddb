package iolib

import (
	"testing"

	"github.com/avmsh/avmsh/vm/term"
)

func BenchmarkFormat(b *testing.B) {
	list := make(term.List, 1000)
	for i := range list {
		list[i] = term.Tuple{term.Atom("item"), term.Int(i), term.String("text")}
	}
	cases := []struct {
		name string
		fmt  string
		args []term.Term
	}{
		{"status_line", "~s: ~w (~.2f%)~n", []term.Term{term.String("load"), term.Atom("high"), term.Float(87.456)}},
		{"columns", "~-15s~10w~10.3f~n", []term.Term{term.String("name"), term.Int(42), term.Float(3.14159)}},
		{"p_list1000", "result: ~p~n", []term.Term{list}},
		{"w_list1000", "~w", []term.Term{list}},
		{"floats", "~e ~f ~g", []term.Term{term.Float(1.0e-5), term.Float(123.456), term.Float(0.5)}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := Format(c.fmt, c.args, Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

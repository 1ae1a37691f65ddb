package monitorcmd

import "testing"

func TestKeyMachine(t *testing.T) {
	cases := []struct {
		in   string
		out  string
		acts []action
	}{
		{"hello\r", "hello\r\n", nil},
		{"a\x14rb", "ab", []action{actReset}},
		{"\x14\x12\x14p\x14h\x14s", "", []action{actReset, actBootloader, actHelp, actTimestamps}},
		{"\x14\x14\x14]", "\x14\x1d", nil},
		{"x\x1dy", "x", []action{actQuit}},
		{"\x14x", "", []action{actQuit}},
		{"\x03", "\x03", nil}, // Ctrl-C goes to the board
	}
	for _, tc := range cases {
		k := keyMachine{eol: "\r\n"}
		out, acts := k.feed([]byte(tc.in))
		if string(out) != tc.out || len(acts) != len(tc.acts) {
			t.Fatalf("%q: out %q acts %v", tc.in, out, acts)
		}
		for i := range acts {
			if acts[i] != tc.acts[i] {
				t.Fatalf("%q: acts %v", tc.in, acts)
			}
		}
	}
	// The menu key may arrive in a separate read.
	k := keyMachine{eol: "\n"}
	k.feed([]byte{keyMenu})
	if _, acts := k.feed([]byte("R")); len(acts) != 1 || acts[0] != actReset {
		t.Fatalf("split menu: %v", acts)
	}
	if out, _ := k.feed([]byte("\r")); string(out) != "\n" {
		t.Fatalf("eol LF: %q", out)
	}
}

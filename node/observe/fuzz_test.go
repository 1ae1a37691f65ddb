package observe

import (
	"testing"

	"github.com/avmsh/avmsh/vm/etf"
	"github.com/avmsh/avmsh/vm/term"
)

// FuzzDecodeAnswer feeds any term a node could send as a poll answer to
// every decoder: nothing panics, whatever the shape.
func FuzzDecodeAnswer(f *testing.F) {
	pid := term.NewPid("n@h", 5, 0, 1)
	seeds := []term.Term{
		term.List{term.Tuple{pid, term.List{term.Tuple{term.Atom("memory"), term.Int(9)}, term.Tuple{term.Atom("current_function"), term.Tuple{term.Atom("m"), term.Atom("f"), term.Int(1)}}}}},
		term.Tuple{term.Int(8), term.List{term.Tuple{term.Atom("t"), term.Atom("t"), term.Int(1), term.Int(2), pid, term.Tuple{term.Atom("registered_name"), term.Atom("x")}, term.Atom("set"), term.Atom("public")}}},
		term.Tuple{term.Tuple{term.Atom("ok"), term.List{term.Tuple{term.Atom("a@h"), term.List{term.Tuple{term.Atom("type"), term.Atom("hidden")}}}}}, term.Int(1), term.List{term.Tuple{term.Atom("a@h"), term.Port{Node: "n@h", ID: 3}, term.Tuple{term.Tuple{term.Atom("queue_size"), term.Int(0)}, term.Atom("x")}}}},
		term.List{term.Tuple{term.Atom("kernel"), term.String("k"), term.String("8"), pid, term.Tuple{term.Int(1), term.List{term.Tuple{term.Atom("s"), pid, term.Atom("supervisor"), term.Atom("cut")}}}}},
		term.Tuple{term.Int(2), term.List{term.Tuple{term.Int(1), term.Int(5), term.Int(10)}}, term.Int(1), term.Int(2), term.Int(0)},
		term.Tuple{term.List{term.Tuple{term.Atom("total"), term.Int(9)}}, term.Int(0), term.List{term.Int(1), term.Int(2), term.Int(3),
			term.Int(4), term.Int(5), term.Int(6), term.Int(2), term.String("25")}, term.Int(1000)},
		term.Tuple{term.Int(40), term.List{term.Tuple{term.Atom("lists"), term.String("/l.beam")}, term.Tuple{term.Atom("m"), term.Atom("undefined")}}},
	}
	for _, s := range seeds {
		b, err := etf.Marshal(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		v, err := etf.Unmarshal(in)
		if err != nil {
			return
		}
		_, _ = decodeOverview(v)
		_ = decodeProcs(v)
		_ = decodeETS(v, "n@h")
		_ = decodePorts(v)
		_ = decodeDist(v)
		_ = decodeSched(v)
		_ = decodeApps(v)
		s := Snapshot{}
		for _, b := range beamSections {
			s.decodeBEAM(b.sec, v, term.Pid{})
		}
	})
}

package root

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/avmsh/avmsh/internal/erltest"
)

// busy gives an erl node a process that burns reductions and one whose
// message queue grows.
const busy = `-module(busy).
-export([burn/0, hoard/0, feed/1]).
burn() -> _ = lists:sum(lists:seq(1, 3000)), receive after 1 -> burn() end.
hoard() -> receive never_sent -> ok end.
feed(P) -> P ! {junk, erlang:monotonic_time()}, receive after 1 -> feed(P) end.
`

type topFrame struct {
	Node       string  `json:"node"`
	Kind       string  `json:"kind"`
	IntervalMS float64 `json:"interval_ms"`
	Procs      int     `json:"procs"`
	Rows       []struct {
		Pid       string   `json:"pid"`
		Name      string   `json:"name"`
		RedsRate  *float64 `json:"reds_rate"`
		MsgQGrow  int64    `json:"mq_growth"`
		MemDelta  int64    `json:"memory_delta"`
		Current   string   `json:"current"`
		Reduction *int64   `json:"reductions"`
	} `json:"rows"`
}

func topFrames(t *testing.T, r run) []topFrame {
	t.Helper()
	if r.code != 0 {
		t.Fatalf("top: %+v", r)
	}
	var frames []topFrame
	for _, l := range strings.Split(strings.TrimSpace(r.out), "\n") {
		var f topFrame
		if err := json.Unmarshal([]byte(l), &f); err != nil {
			t.Fatalf("frame %q: %v", l, err)
		}
		frames = append(frames, f)
	}
	return frames
}

// TestTopAgainstErl: `avmsh top --output json --count 2` against a real
// node: two frames, and the top rows by rate are the process burning
// reductions (reds-rate) and the one whose queue grows (mq-growth).
func TestTopAgainstErl(t *testing.T) {
	e := erltest.Start(t, erltest.Options{Modules: map[string]string{"busy": busy}})
	e.Eval(t, `register(burner, spawn(busy, burn, [])), register(hoarder, spawn(busy, hoard, [])), spawn(busy, feed, [whereis(hoarder)])`)
	env := map[string]string{"ERL_EPMD_PORT": strconv.Itoa(e.EpmdPort), "AVMSH_COOKIE": e.Cookie}

	frames := topFrames(t, avmsh(t, env, "", "top", e.Name, "--output", "json", "--count", "2", "--interval", "500ms", "-n", "5"))
	if len(frames) != 2 {
		t.Fatalf("%d frames", len(frames))
	}
	for i, f := range frames {
		if f.Node != e.Name || f.Kind != "beam" || f.IntervalMS < 400 || f.Procs < 20 || len(f.Rows) != 5 {
			t.Fatalf("frame %d: %+v", i, f)
		}
		if top := f.Rows[0]; top.Name != "burner" || top.RedsRate == nil || *top.RedsRate <= 0 {
			t.Errorf("frame %d: top row by reds-rate %+v, then %+v", i, top, f.Rows[1])
		}
	}
	frames = topFrames(t, avmsh(t, env, "", "top", e.Name, "-o", "json", "--count", "2", "-i", "500ms", "--sort", "mq-growth"))
	for i, f := range frames {
		if top := f.Rows[0]; top.Name != "hoarder" || top.MsgQGrow <= 0 {
			t.Errorf("frame %d: top row by mq-growth %+v, then %+v", i, top, f.Rows[1])
		}
	}

	// Text on a pipe: frames one after another, each with its header.
	r := avmsh(t, env, "", "top", e.Name, "--count", "2", "-i", "300ms", "-n", "3")
	if r.code != 0 || strings.Count(r.out, e.Name+"  beam OTP ") != 2 || strings.Count(r.out, "PID ") != 2 || strings.Contains(r.out, "\x1b[") {
		t.Fatalf("text: %+v", r)
	}
	lines := strings.Split(r.out, "\n")
	if f := strings.Fields(lines[3]); len(f) < 2 || f[1] != "burner" {
		t.Errorf("first row: %q", lines[3])
	}

	// Exit codes: 2 usage, 3 unreachable.
	if r := avmsh(t, env, "", "top", e.Name, "--sort", "cpu"); r.code != 2 || !strings.Contains(r.err, "reds-rate") {
		t.Errorf("bad sort: %+v", r)
	}
	if r := avmsh(t, env, "", "top"); r.code != 2 {
		t.Errorf("no node: %+v", r)
	}
	if r := avmsh(t, env, "", "top", "nobody@127.0.0.1", "--count", "1"); r.code != 3 {
		t.Errorf("unknown node: %+v", r)
	}
}

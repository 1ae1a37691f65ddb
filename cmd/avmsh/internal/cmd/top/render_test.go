package topcmd

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/avmsh/avmsh/devices/crashlog"
	"github.com/avmsh/avmsh/node/observe"
	"github.com/avmsh/avmsh/node/observe/observetest"
	"github.com/avmsh/avmsh/vm/term"
)

// boardFrame reads two tables of a fake ESP32 AtomVM board through
// observe and makes a frame of them, as Run does.
func boardFrame(t *testing.T) frame {
	t.Helper()
	ctx := context.Background()
	b := observetest.NewAtomVM("esp@serial.local")
	b.SetInfo(observe.GaugeESP32FreeHeap, term.Int(150_000))
	b.SetProc(1, observetest.Proc{Name: "app", Memory: 2000})
	b.SetProc(2, observetest.Proc{Name: "mailbox_hog", Memory: 900, MsgQ: 3})
	o := observe.New(observe.Config{Conn: b})
	secs := observe.SecOverview | observe.SecProcs | observe.SecSched
	prev, err := o.Poll(ctx, b.Name, secs)
	if err != nil {
		t.Fatal(err)
	}
	b.SetProc(2, observetest.Proc{Name: "mailbox_hog", Memory: 4000, MsgQ: 50})
	b.SetProc(3, observetest.Proc{Memory: 300})
	cur, err := o.Poll(ctx, b.Name, secs)
	if err != nil {
		t.Fatal(err)
	}
	cur.At = prev.At.Add(time.Second)
	cur.Procs.At = cur.At
	w := observe.Rates(*prev.Procs, *cur.Procs)
	observe.SortRates(w.Rows, observe.SortMsgQGrowth)
	crash := crashlog.Event{Pid: "<0.9.0>", Class: "error", Reason: "badarg"}
	return frame{Prev: prev, Cur: cur, Window: w, Sort: observe.SortMsgQGrowth, Rows: 2,
		Crashes: crashReport{Total: 1, Last: &crash, New: []crashlog.Event{crash}}}
}

// TestTextFrameAtomVM: columns an AtomVM node does not report print as
// "-", never 0; the ESP32 heap and the crash count are in the header.
func TestTextFrameAtomVM(t *testing.T) {
	lines := renderText(boardFrame(t))
	text := strings.Join(lines, "\n")
	if len(lines) != 6 || !strings.HasPrefix(lines[0], "esp@serial.local  atomvm AtomVM 0.8.0-fake") ||
		!strings.Contains(lines[1], "free heap 146.5K") || !strings.Contains(lines[1], "no reductions") ||
		!strings.Contains(lines[2], "crashes 1, last: <0.9.0> error badarg") {
		t.Fatalf("frame:\n%s", text)
	}
	row := strings.Fields(lines[4])
	if row[0] != "<0.2.0>" || row[1] != "mailbox_hog" || row[2] != "-" || row[3] != "-" || row[6] != "50" || row[7] != "+47" || row[8] != "-" {
		t.Fatalf("row %q", row)
	}
	if strings.Contains(lines[1], "schedulers") {
		t.Error("AtomVM has no scheduler figures")
	}
}

// TestJSONFrameAtomVM: the JSON frame leaves out what the node does not
// report.
func TestJSONFrameAtomVM(t *testing.T) {
	var out bytes.Buffer
	if err := writeJSON(&out, boardFrame(t)); err != nil {
		t.Fatal(err)
	}
	if bytes.Count(out.Bytes(), []byte("\n")) != 1 {
		t.Fatalf("not one line: %q", out.String())
	}
	var j map[string]any
	if err := json.Unmarshal(out.Bytes(), &j); err != nil {
		t.Fatal(err)
	}
	rows := j["rows"].([]any)
	first := rows[0].(map[string]any)
	if len(rows) != 2 || first["name"] != "mailbox_hog" || first["mq_growth"] != float64(47) || first["memory_delta"] != float64(3100) {
		t.Fatalf("rows: %v", rows)
	}
	for _, k := range []string{"reductions", "reds_rate", "current", "status"} {
		if _, ok := first[k]; ok {
			t.Errorf("%s present for an AtomVM node: %v", k, first)
		}
	}
	if _, ok := j["schedulers"]; ok {
		t.Error("schedulers present for an AtomVM node")
	}
	gauges := j["gauges"].(map[string]any)
	if gauges[observe.GaugeESP32FreeHeap] != float64(150_000) || gauges[observe.GaugeMemoryTotal] != nil {
		t.Errorf("gauges: %v", gauges)
	}
	if c := j["crashes"].([]any); len(c) != 1 {
		t.Errorf("crashes: %v", c)
	}
}

// TestFrameWriter: on a terminal a frame rewrites the previous one with
// cursor-up and clear-line escapes only, clipped to the width; piped,
// frames follow each other.
func TestFrameWriter(t *testing.T) {
	var b bytes.Buffer
	fw := newFrameWriter(&b, true, 30)
	if err := fw.write([]string{"one", "two", strings.Repeat("x", 50)}); err != nil {
		t.Fatal(err)
	}
	if err := fw.write([]string{"three"}); err != nil {
		t.Fatal(err)
	}
	want := "\r\x1b[2Kone\n\r\x1b[2Ktwo\n\r\x1b[2K" + strings.Repeat("x", 28) + "…\n" +
		"\x1b[3A\r\x1b[2Kthree\n\r\x1b[2K\n\r\x1b[2K\n\x1b[2A"
	if b.String() != want {
		t.Fatalf("terminal output %q\nwant %q", b.String(), want)
	}
	b.Reset()
	fw = newFrameWriter(&b, false, 30)
	_ = fw.write([]string{"h1", "r1"})
	_ = fw.write([]string{"h2", "r2"})
	if b.String() != "h1\nr1\n\nh2\nr2\n" {
		t.Fatalf("piped output %q", b.String())
	}
}

func TestValidate(t *testing.T) {
	good := Options{Rows: 5, Sort: "mq", Interval: time.Second, Output: "json"}
	if k, err := good.validate(); err != nil || k != observe.SortMsgQ {
		t.Fatalf("%v %v", k, err)
	}
	for _, bad := range []Options{
		{Rows: 0, Sort: "mq", Interval: time.Second, Output: "text"},
		{Rows: 5, Sort: "cpu", Interval: time.Second, Output: "text"},
		{Rows: 5, Sort: "mq", Interval: time.Millisecond, Output: "text"},
		{Rows: 5, Sort: "mq", Interval: time.Second, Output: "erlang"},
		{Rows: 5, Sort: "mq", Interval: time.Second, Output: "text", Count: -1},
	} {
		if _, err := bad.validate(); err == nil {
			t.Errorf("accepted %+v", bad)
		}
	}
}

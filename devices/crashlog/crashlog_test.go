package crashlog_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/avmsh/avmsh/devices/crashlog"
)

// The fixtures in testdata/*.txt were written from AtomVM's printing
// code: context_dump() in src/libAtomVM/context.c (with
// mailbox_crashdump() in mailbox.c, refc_binary_dump_info() in
// refc_binary.c and term_funprint() in term.c for the terms), AtomVM
// commit 7b2821593d9e8022efc1b84919b71d3fcd01cb82, by replaying its
// fprintf calls one by one (the dump of an erpc call's exit, an
// out_of_memory dump with its memory sections, a build without stack
// traces, an ESP32 console with CRLF line ends and boot noise, a dump
// cut by a reset). real_unix_stderr.txt is real output: the stderr of
// an AtomVM built from that commit (generic unix) while avmsh top read
// it over a pty pair. See testdata/README.md.

var update = flag.Bool("update", false, "rewrite the golden files")

var fixed = time.Date(2026, 11, 24, 7, 0, 0, 0, time.UTC)

func opts() crashlog.Options {
	return crashlog.Options{Node: "board@serial.local", Port: "/dev/ttyUSB0", Now: func() time.Time { return fixed }}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file:\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

func fixtures(t *testing.T) map[string][]byte {
	t.Helper()
	paths, err := filepath.Glob("testdata/*.txt")
	if err != nil || len(paths) < 6 {
		t.Fatalf("fixtures: %v %v", paths, err)
	}
	out := map[string][]byte{}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out[strings.TrimSuffix(filepath.Base(p), ".txt")] = b
	}
	return out
}

func eventsJSON(t *testing.T, evs []crashlog.Event) []byte {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(evs); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestGolden: every fixture parses to its golden events.
func TestGolden(t *testing.T) {
	for name, text := range fixtures(t) {
		t.Run(name, func(t *testing.T) {
			golden(t, name+".golden.json", eventsJSON(t, crashlog.Parse(text, opts())))
		})
	}
}

// TestFields spells out what the goldens hold for the main cases.
func TestFields(t *testing.T) {
	fx := fixtures(t)
	evs := crashlog.Parse(fx["badarg"], opts())
	if len(evs) != 1 {
		t.Fatalf("%d events", len(evs))
	}
	e := evs[0]
	if e.Node != "board@serial.local" || e.Pid != "<0.42.0>" || e.Class != "error" || e.Reason != "{badmatch,{error,timeout}}" ||
		e.ERPC || e.Truncated || e.Raw != string(fx["badarg"]) {
		t.Errorf("badarg: %+v", e)
	}
	if len(e.Frames) != 3 || e.Frames[0] != (crashlog.Frame{Module: "sensor", Function: "read_reg", Arity: 2, File: "/home/dev/app/src/sensor.erl", Line: 57}) ||
		e.Frames[2].String() != "proc_lib:init_p/5" {
		t.Errorf("frames: %+v", e.Frames)
	}
	if len(e.Stack) != 4 || len(e.Mailbox) != 2 || len(e.Monitors) != 3 || e.Monitors[0] != "link to <0.40.0>" {
		t.Errorf("sections: stack %q mailbox %q monitors %q", e.Stack, e.Mailbox, e.Monitors)
	}
	if e := crashlog.Parse(fx["erpc_return"], opts()); len(e) != 1 || !e[0].ERPC || e[0].Class != "exit" {
		t.Errorf("erpc: %+v", e)
	}
	if e := crashlog.Parse(fx["out_of_memory"], opts()); len(e) != 1 || e[0].Reason != "out_of_memory" || len(e[0].Memory) < 10 || e[0].Frames != nil {
		t.Errorf("oom: %+v", e)
	}
	evs = crashlog.Parse(fx["console_esp32"], opts())
	if len(evs) != 2 || evs[0].Reason != "{badmatch,{error,timeout}}" || evs[0].Raw != string(fx["badarg"]) || !evs[1].ERPC {
		t.Errorf("console: %+v", evs)
	}
	// Real output: the stderr of an AtomVM built from source (generic
	// unix) while avmsh top read it over a pty pair.
	evs = crashlog.Parse(fx["real_unix_stderr"], opts())
	erpc := 0
	for _, e := range evs {
		if e.ERPC {
			erpc++
		}
	}
	if len(evs) != 14 || erpc != 12 || evs[0].Reason != "{badmatch,undefined}" || len(evs[0].Frames) != 1 ||
		evs[0].Frames[0] != (crashlog.Frame{Module: "obsnode", Function: "crash_me", Arity: 1, File: "obsnode.erl", Line: 21}) ||
		evs[1].Monitors[0] != "monitored by resource type dist_connection ref=186" {
		t.Errorf("real AtomVM output: %d events, %d erpc, first %+v", len(evs), erpc, evs[0])
	}
	evs = crashlog.Parse(fx["reset_mid_dump"], opts())
	if len(evs) != 2 || !evs[0].Truncated || evs[0].Pid != "<0.42.0>" || evs[1].Truncated || evs[1].Class != "throw" {
		t.Errorf("reset: %+v", evs)
	}
}

// TestSplitAcrossReads: fed in chunks of every size from 1 to 17 bytes,
// each fixture gives the same events as fed whole.
func TestSplitAcrossReads(t *testing.T) {
	for name, text := range fixtures(t) {
		want := crashlog.Parse(text, opts())
		for size := 1; size <= 17; size++ {
			p := crashlog.NewParser(opts())
			for off := 0; off < len(text); off += size {
				if _, err := p.Write(text[off:min(off+size, len(text))]); err != nil {
					t.Fatal(err)
				}
			}
			p.Flush()
			if got := p.Events(); !reflect.DeepEqual(got, want) {
				t.Fatalf("%s in %d-byte chunks:\n%+v\nwant\n%+v", name, size, got, want)
			}
		}
	}
}

// TestBounded: a dump that never ends is cut at MaxBlock and still
// reported; the parser finds the next dump after it.
func TestBounded(t *testing.T) {
	fx := fixtures(t)
	var in bytes.Buffer
	in.WriteString("CRASH \n======\npid: <0.3.0>\n\nStack \n-----\n\n")
	for range 20_000 {
		in.WriteString("{huge,term,in,the,stack,section}\n")
	}
	in.Write(fx["badarg"])
	o := opts()
	o.MaxBlock = 16 << 10
	evs := crashlog.Parse(in.Bytes(), o)
	if len(evs) != 2 || !evs[0].Truncated || len(evs[0].Raw) > o.MaxBlock || evs[0].Pid != "<0.3.0>" || evs[1].Raw != string(fx["badarg"]) {
		t.Fatalf("%d events; first truncated=%v len=%d pid=%s", len(evs), evs[0].Truncated, len(evs[0].Raw), evs[0].Pid)
	}
	// A dump still open when the input ends.
	p := crashlog.NewParser(opts())
	_, _ = p.Write(fx["badarg"][:200])
	if len(p.Events()) != 0 {
		t.Fatal("event before the dump ended")
	}
	p.Flush()
	if evs := p.Events(); len(evs) != 1 || !evs[0].Truncated || evs[0].Pid != "<0.42.0>" {
		t.Fatalf("flushed: %+v", evs)
	}
	// A line longer than MaxLine is cut, the rest of the dump parsed.
	long := bytes.Replace(fx["badarg"], []byte("{config,[{rate,20}]}"), append([]byte("{blob,"), bytes.Repeat([]byte("x"), 10_000)...), 1)
	o = opts()
	o.MaxLine = 100
	if evs := crashlog.Parse(long, o); len(evs) != 1 || evs[0].Truncated || len(evs[0].Mailbox[1]) != 100 || len(evs[0].Monitors) != 3 {
		t.Fatalf("long line: %+v", evs)
	}
	// Kept events are bounded.
	o = opts()
	o.MaxEvents = 3
	p = crashlog.NewParser(o)
	for range 10 {
		_, _ = p.Write(fx["erpc_return"])
	}
	if len(p.Events()) != 3 {
		t.Fatalf("kept %d events", len(p.Events()))
	}
}

// TestStripPrefix: console text prefixed per line by a writer (as
// `avmsh rpc` prints a port's console: "[ttyUSB0] ...").
func TestStripPrefix(t *testing.T) {
	fx := fixtures(t)
	var in bytes.Buffer
	for _, l := range strings.SplitAfter(string(fx["console_esp32"]), "\n") {
		if l != "" {
			in.WriteString("[ttyUSB0] " + l)
		}
	}
	o := opts()
	o.StripPrefix = "[ttyUSB0] "
	if got, want := crashlog.Parse(in.Bytes(), o), crashlog.Parse(fx["console_esp32"], opts()); !reflect.DeepEqual(got, want) {
		t.Fatalf("prefixed:\n%+v\nwant\n%+v", got, want)
	}
}

// TestReport: the Markdown report of a dump (golden), and saved files
// never overwrite each other.
func TestReport(t *testing.T) {
	fx := fixtures(t)
	e := crashlog.Parse(fx["badarg"], opts())[0]
	info := crashlog.ReportInfo{Avmsh: "1.2.3", AtomVM: "0.8.0", Board: "ESP32-C3", App: "sensor.avm"}
	golden(t, "badarg.report.md", []byte(crashlog.Report(e, info)))
	cut := crashlog.Parse(fx["reset_mid_dump"], opts())[0]
	golden(t, "reset_mid_dump.report.md", []byte(crashlog.Report(cut, crashlog.ReportInfo{})))
	dir := t.TempDir()
	p1, err := crashlog.WriteReport(dir, e, info)
	if err != nil {
		t.Fatal(err)
	}
	p2, err := crashlog.WriteReport(dir, e, info)
	if err != nil || p1 == p2 {
		t.Fatalf("second report: %s %v", p2, err)
	}
	b, err := os.ReadFile(p2)
	if err != nil || string(b) != crashlog.Report(e, info) || !strings.Contains(filepath.Base(p1), "board@serial.local") {
		t.Fatalf("report file %s: %v", p1, err)
	}
}

// TestFromExit: a process exit seen through a monitor on a BEAM node is
// an event with the frames of its stack trace, reported as an exit.
func TestFromExit(t *testing.T) {
	st := `[{erlang,'+',[1,a],[{error_info,#{module => erl_erts_errors}}]},{calc,add,2,[{file,"calc.erl"},{line,7}]}]`
	raw := `{'DOWN',#Ref<0.1.2.3>,process,<0.90.0>,{badarith,` + st + `}}`
	at := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	e := crashlog.FromExit("app@h", "<0.90.0>", "badarith", st, raw, at)
	if e.Via != crashlog.ViaMonitor || len(e.Frames) != 1 || e.Frames[0].String() != "calc:add/2 (calc.erl:7)" || e.ERPC {
		t.Fatalf("%+v", e)
	}
	r := crashlog.Report(e, crashlog.ReportInfo{})
	if !strings.HasPrefix(r, "### Process exit on app@h\n") || !strings.Contains(r, "1. `calc:add/2 (calc.erl:7)`") ||
		!strings.Contains(r, "Exit message as received") || !strings.Contains(r, raw) {
		t.Fatalf("report:\n%s", r)
	}
}

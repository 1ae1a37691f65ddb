package devicescmd

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/avmsh/avmsh/cmd/avmsh/internal/cmdutil"
	"github.com/avmsh/avmsh/devices"
)

func sample() []devices.Device {
	cp, _ := devices.LookupBoard("10c4", "ea60")
	jtag, _ := devices.LookupBoard("303a", "1001")
	boot, _ := devices.LookupBoard("2e8a", "0003")
	return []devices.Device{
		{Path: "/dev/ttyACM0", USB: true, VID: "303a", PID: "1001", SerialNumber: "F4:12:FA", Board: &jtag, Access: devices.AccessOK,
			AtomVM: &devices.ProbeResult{Answered: true, Markers: 2}},
		{Path: "/dev/ttyUSB0", USB: true, VID: "10c4", PID: "ea60", SerialNumber: "0001", Board: &cp, Access: devices.AccessDenied,
			AccessDetail: `the device belongs to group "dialout": add your user to it`},
		{Path: "/dev/ttyS0", Access: devices.AccessOK},
		{USB: true, VID: "2e8a", PID: "0003", Board: &boot, Access: devices.AccessUnknown},
	}
}

func runCmd(t *testing.T, term bool, env map[string]string, prep func(*Options), args ...string) (string, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	f := &cmdutil.Factory{IO: &cmdutil.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut, IsTerminal: term},
		Getenv: func(k string) string { return env[k] }}
	cmd := newCmd(f, prep)
	cmd.SetArgs(args)
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	cmd.SilenceUsage = true
	cmd.SilenceErrors = true
	err := cmd.ExecuteContext(context.Background())
	return out.String(), errOut.String(), err
}

func TestDevicesTable(t *testing.T) {
	list := func(o *Options) {
		o.List = func(_ context.Context, lo devices.ListOptions) ([]devices.Device, error) {
			d := sample()
			if !lo.Probe {
				d[0].AtomVM = nil
			}
			return d, nil
		}
	}
	out, _, err := runCmd(t, false, nil, list)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"PORT", "/dev/ttyACM0", "303a:1001", "Espressif USB-Serial/JTAG", "F4:12:FA", "denied", "(no port)", "BOOTSEL", "(not USB)",
		`/dev/ttyUSB0: the device belongs to group "dialout"`} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "\x1b[") || strings.Contains(out, "ATOMVM") {
		t.Fatalf("colour or probe column without a terminal or --probe:\n%s", out)
	}
	out, _, _ = runCmd(t, true, map[string]string{"TERM": "xterm-256color"}, list, "--probe")
	if !strings.Contains(out, "\x1b[31mdenied\x1b[0m") || !strings.Contains(out, "ATOMVM") || !strings.Contains(out, "serial_dist node (idle)") {
		t.Fatalf("terminal table:\n%q", out)
	}
	for _, env := range []map[string]string{{"TERM": "dumb"}, {"NO_COLOR": "1", "TERM": "xterm"}} {
		if out, _, _ := runCmd(t, true, env, list); strings.Contains(out, "\x1b[") {
			t.Fatalf("colour with %v", env)
		}
	}
}

func TestDevicesJSONAndEmpty(t *testing.T) {
	out, _, err := runCmd(t, false, nil, func(o *Options) {
		o.List = func(context.Context, devices.ListOptions) ([]devices.Device, error) { return sample(), nil }
	}, "--output", "json")
	if err != nil {
		t.Fatal(err)
	}
	var got []devices.Device
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if len(got) != 4 || got[0].Board == nil || got[0].Board.Reset != devices.ResetUSBJTAG || !got[0].AtomVM.Answered || got[1].Access != devices.AccessDenied {
		t.Fatalf("%+v", got)
	}
	empty := func(o *Options) {
		o.List = func(context.Context, devices.ListOptions) ([]devices.Device, error) { return nil, nil }
	}
	out, _, _ = runCmd(t, false, nil, empty, "-o", "json")
	if strings.TrimSpace(out) != "[]" {
		t.Fatalf("empty json %q", out)
	}
	out, errOut, _ := runCmd(t, false, nil, empty)
	if out != "" || !strings.Contains(errOut, "No serial ports found") {
		t.Fatalf("empty table %q %q", out, errOut)
	}
	_, _, err = runCmd(t, false, nil, empty, "-o", "yaml")
	if cmdutil.ExitCode(err) != cmdutil.ExitUsage {
		t.Fatalf("bad output: %v", err)
	}
	_, _, err = runCmd(t, false, nil, func(o *Options) {
		o.List = func(context.Context, devices.ListOptions) ([]devices.Device, error) { return nil, errors.New("boom") }
	})
	if err == nil {
		t.Fatal("list error lost")
	}
}

func TestDevicesWatch(t *testing.T) {
	evs := func(o *Options) {
		o.WatchFn = func(ctx context.Context, _ time.Duration) <-chan devices.Event {
			ch := make(chan devices.Event, 3)
			d := sample()
			ch <- devices.Event{Type: devices.Added, Device: d[0]}
			old := d[1]
			d[1].Access = devices.AccessOK
			ch <- devices.Event{Type: devices.Changed, Device: d[1], Old: &old}
			ch <- devices.Event{Type: devices.Removed, Device: d[2]}
			close(ch)
			return ch
		}
		o.ProbeFn = func(_ context.Context, path string, _ devices.ProbeOptions) devices.ProbeResult {
			return devices.ProbeResult{Answered: path == "/dev/ttyACM0", Markers: 3}
		}
	}
	out, _, err := runCmd(t, false, nil, evs, "--watch", "--probe")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || !strings.Contains(lines[0], "+ /dev/ttyACM0") || !strings.Contains(lines[0], "serial_dist node") ||
		!strings.Contains(lines[1], "~ /dev/ttyUSB0") || !strings.Contains(lines[2], "- /dev/ttyS0") {
		t.Fatalf("watch output:\n%s", out)
	}
	out, _, _ = runCmd(t, false, nil, evs, "--watch", "-o", "json")
	var n int
	dec := json.NewDecoder(strings.NewReader(out))
	for dec.More() {
		var ev devices.Event
		if err := dec.Decode(&ev); err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 3 {
		t.Fatalf("%d JSON events", n)
	}
}

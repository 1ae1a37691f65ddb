package devices

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestLookupBoard(t *testing.T) {
	cases := []struct {
		vid, pid string
		family   string
		reset    ResetStyle
		boot     bool
	}{
		{"303a", "1001", "ESP32", ResetUSBJTAG, false},
		{"303A", "0002", "ESP32", ResetNone, false},
		{"0x303a", "0x4001", "ESP32", ResetNone, false},
		{"10c4", "EA60", "USB-UART", ResetClassic, false},
		{"1a86", "7523", "USB-UART", ResetClassic, false},
		{"1a86", "55d4", "USB-UART", ResetClassic, false},
		{"1a86", "55d3", "USB-UART", ResetClassic, false},
		{"0403", "6001", "USB-UART", ResetClassic, false},
		{"403", "6010", "USB-UART", ResetClassic, false},
		{"0403", "6015", "USB-UART", ResetClassic, false},
		{"2e8a", "000a", "RP2040/RP2350", ResetNone, false},
		{"2e8a", "0009", "RP2040/RP2350", ResetNone, false},
		{"2e8a", "0005", "RP2040/RP2350", ResetNone, false},
		{"2e8a", "000f", "RP2040/RP2350", ResetNone, true},
		{"2e8a", "0003", "RP2040/RP2350", ResetNone, true},
	}
	for _, tc := range cases {
		b, ok := LookupBoard(tc.vid, tc.pid)
		if !ok || b.Family != tc.family || b.Reset != tc.reset || b.Bootloader != tc.boot || b.Name == "" {
			t.Errorf("%s:%s: %+v %v", tc.vid, tc.pid, b, ok)
		}
	}
	for _, id := range [][2]string{{"1234", "5678"}, {"", ""}, {"303a", "1002"}} {
		if b, ok := LookupBoard(id[0], id[1]); ok {
			t.Errorf("%v found %+v", id, b)
		}
	}
	// The table stays sorted (LookupBoard searches it) and unique.
	all := Boards()
	for i := 1; i < len(all); i++ {
		if all[i-1].VID+all[i-1].PID >= all[i].VID+all[i].PID {
			t.Fatalf("board table not sorted at %s:%s", all[i].VID, all[i].PID)
		}
	}
	if ResetStyleFor("303a", "1001") != ResetUSBJTAG || ResetStyleFor("dead", "beef") != ResetClassic || ResetStyleFor("2e8a", "000a") != ResetNone {
		t.Fatal("ResetStyleFor")
	}
}

type lineLog struct {
	calls []string
	at    []time.Time
	fail  string
}

func (l *lineLog) set(name string, on bool) error {
	v := "0"
	if on {
		v = "1"
	}
	if l.fail == name {
		return errors.New("ioctl failed")
	}
	l.calls = append(l.calls, name+v)
	l.at = append(l.at, time.Now())
	return nil
}
func (l *lineLog) SetDTR(on bool) error { return l.set("D", on) }
func (l *lineLog) SetRTS(on bool) error { return l.set("R", on) }

func TestResetSequences(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		style ResetStyle
		boot  bool
		want  string
		min   time.Duration
	}{
		// RTS alone asserted holds EN low; each RTS change is followed
		// by DTR again (usbser.sys).
		{ResetClassic, false, "D0 R1 D0 R0 D0", 200 * time.Millisecond},
		{ResetClassic, true, "D0 R1 D0 D1 R0 D1 D0", 150 * time.Millisecond},
		{ResetUSBJTAG, false, "D0 R1 D0 R0 D0", 400 * time.Millisecond},
		{ResetUSBJTAG, true, "R0 D0 D0 D1 R0 D1 R1 D1 D0 R1 D0 D0 R0 D0", 300 * time.Millisecond},
	}
	for _, tc := range cases {
		var l lineLog
		start := time.Now()
		if err := Reset(ctx, &l, tc.style, tc.boot); err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(l.calls, " "); got != tc.want {
			t.Errorf("%s boot=%v: %s, want %s", tc.style, tc.boot, got, tc.want)
		}
		if el := time.Since(start); el < tc.min {
			t.Errorf("%s boot=%v took %s, the board needs at least %s in reset", tc.style, tc.boot, el, tc.min)
		}
		if last := l.calls[len(l.calls)-1]; last != "D0" {
			t.Errorf("lines not left deasserted: %s", last)
		}
	}
	if err := Reset(ctx, &lineLog{}, ResetNone, false); !errors.Is(err, ErrNoReset) {
		t.Fatalf("none: %v", err)
	}
	if err := Reset(ctx, &lineLog{fail: "R"}, ResetClassic, false); err == nil || !strings.Contains(err.Error(), "RTS") {
		t.Fatalf("failing ioctl: %v", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := Reset(cctx, &lineLog{}, ResetClassic, false); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
}

func TestParseIoreg(t *testing.T) {
	out := `+-o USB JTAG/serial debug unit@01100000  <class IOUSBHostDevice, id 0x1000123ab, registered, matched, active, busy 0 (5 ms), retain 28>
  | {
  |   "sessionID" = 1234567890
  |   "idProduct" = 4097
  |   "USB Product Name" = "USB JTAG/serial debug unit"
  |   "USB Vendor Name" = "Espressif"
  |   "idVendor" = 12346
  |   "USB Serial Number" = "F4:12:FA:4B:5C:10"
  | }
  | 
  +-o USB JTAG/serial debug unit@0  <class AppleUSBInterface, id 0x1000123ac, registered, matched, active, busy 0 (1 ms), retain 8>
  | +-o AppleUSBACMControl  <class AppleUSBACMControl, id 0x1000123b0, !registered, !matched, active, busy 0, retain 6>
  +-o USB JTAG/serial debug unit@1  <class AppleUSBInterface, id 0x1000123ad, registered, matched, active, busy 0 (2 ms), retain 8>
    +-o AppleUSBACMData  <class AppleUSBACMData, id 0x1000123b3, registered, matched, active, busy 0 (0 ms), retain 7>
      +-o IOModemSerialStreamSync  <class IOModemSerialStreamSync, id 0x1000123b5, !registered, !matched, active, busy 0, retain 5>
        +-o IOSerialBSDClient  <class IOSerialBSDClient, id 0x1000123b6, registered, matched, active, busy 0 (0 ms), retain 6>
              {
                "IOCalloutDevice" = "/dev/cu.usbmodem1101"
                "IODialinDevice" = "/dev/tty.usbmodem1101"
              }
+-o CP2102N USB to UART Bridge Controller@02100000  <class IOUSBHostDevice, id 0x100000abc, registered, matched, active, busy 0 (9 ms), retain 30>
  | {
  |   "idProduct" = 60000
  |   "kUSBProductString" = "CP2102N USB to UART Bridge Controller"
  |   "kUSBVendorString" = "Silicon Labs"
  |   "idVendor" = 4292
  |   "kUSBSerialNumberString" = "0001"
  | }
  +-o CP2102N USB to UART Bridge Controller@0  <class AppleUSBInterface, id 0x100000abd, registered, matched, active, busy 0 (1 ms), retain 8>
    +-o AppleUSBSLCOM  <class AppleUSBSLCOM, id 0x100000abe, registered, matched, active, busy 0 (0 ms), retain 7>
      +-o IOSerialBSDClient  <class IOSerialBSDClient, id 0x100000abf, registered, matched, active, busy 0 (0 ms), retain 6>
            {
              "IOCalloutDevice" = "/dev/cu.usbserial-0001"
            }
+-o USB Keyboard@03100000  <class IOUSBHostDevice, id 0x100000def, registered, matched, active, busy 0 (9 ms), retain 30>
  | {
  |   "idVendor" = 1452
  | }
`
	got := parseIoreg(out)
	want := []portInfo{
		{Path: "/dev/cu.usbmodem1101", USB: true, VID: "303a", PID: "1001", Serial: "F4:12:FA:4B:5C:10", Product: "USB JTAG/serial debug unit", Manufacturer: "Espressif"},
		{Path: "/dev/cu.usbserial-0001", USB: true, VID: "10c4", PID: "ea60", Serial: "0001", Product: "CP2102N USB to UART Bridge Controller", Manufacturer: "Silicon Labs"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
	if parseIoreg("garbage\n\"x\" = 1\n") != nil {
		t.Fatal("garbage parsed")
	}
}

func TestDedupe(t *testing.T) {
	got := dedupe([]portInfo{{Path: "/dev/ttyUSB0", USB: true}, {}, {Path: "/dev/ttyUSB0"}}, []string{"/dev/ttyUSB0", "/dev/ttyS0"})
	if len(got) != 2 || !got[0].USB || got[1].Path != "/dev/ttyS0" {
		t.Fatalf("%+v", got)
	}
}

func TestDiff(t *testing.T) {
	known := map[string]Device{}
	a := Device{Path: "/dev/a", Access: AccessOK}
	b := Device{Path: "/dev/b", Access: AccessOK}
	evs := diff(known, []Device{a, b})
	if len(evs) != 2 || evs[0].Type != Added || evs[1].Device.Path != "/dev/b" {
		t.Fatalf("%+v", evs)
	}
	if evs := diff(known, []Device{a, b}); len(evs) != 0 {
		t.Fatalf("no change: %+v", evs)
	}
	b2 := b
	b2.Access = AccessBusy
	evs = diff(known, []Device{b2})
	if len(evs) != 2 || evs[0].Type != Removed || evs[0].Device.Path != "/dev/a" || evs[1].Type != Changed || evs[1].Old.Access != AccessOK {
		t.Fatalf("%+v", evs)
	}
}

func TestConsoleWriter(t *testing.T) {
	var out, log strings.Builder
	tm := time.Date(2026, 5, 1, 12, 34, 56, 789e6, time.UTC)
	w := NewConsoleWriter(&out, ConsoleOptions{Timestamps: true, CRLF: true, Log: &log, Now: func() time.Time { return tm }})
	w.Write([]byte("I (31) boot\nAtomVM "))
	w.Write([]byte("started\r\nhello"))
	w.Notice("--- reset ---")
	w.Write([]byte("x\n"))
	wantOut := "2026-05-01 12:34:56.789 I (31) boot\r\n2026-05-01 12:34:56.789 AtomVM started\r\n2026-05-01 12:34:56.789 hello\r\n--- reset ---\r\n2026-05-01 12:34:56.789 x\r\n"
	if out.String() != wantOut {
		t.Fatalf("out %q\nwant %q", out.String(), wantOut)
	}
	wantLog := "2026-05-01 12:34:56.789 I (31) boot\n2026-05-01 12:34:56.789 AtomVM started\r\n2026-05-01 12:34:56.789 hello\r\n--- reset ---\r\n2026-05-01 12:34:56.789 x\n"
	if log.String() != wantLog {
		t.Fatalf("log %q\nwant %q", log.String(), wantLog)
	}
	var plain strings.Builder
	p := NewConsoleWriter(&plain, ConsoleOptions{})
	p.Write([]byte("a\nb"))
	if plain.String() != "a\nb" {
		t.Fatalf("plain %q", plain.String())
	}
}

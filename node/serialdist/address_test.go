package serialdist

import (
	"strings"
	"testing"
)

func TestParseAddress(t *testing.T) {
	cases := []struct {
		in   string
		want Address
		str  string
	}{
		{"serial:/dev/ttyUSB0", Address{Device: "/dev/ttyUSB0"}, "serial:/dev/ttyUSB0"},
		{"/dev/ttyACM0", Address{Device: "/dev/ttyACM0"}, "serial:/dev/ttyACM0"},
		{"serial:ttyUSB1", Address{Device: "/dev/ttyUSB1"}, "serial:/dev/ttyUSB1"},
		{"SERIAL:///dev/ttyS0?baud=9600", Address{Device: "/dev/ttyS0", Options: Options{Baud: 9600}}, "serial:/dev/ttyS0?baud=9600"},
		{"serial:/dev/ttyUSB0?baud=921600&parity=none&flow=none",
			Address{Device: "/dev/ttyUSB0", Options: Options{Baud: 921600}}, "serial:/dev/ttyUSB0?baud=921600"},
		{"serial:/dev/cu.usbmodem1101?speed=460800&data_bits=7&parity=even&stop_bits=2&flow=rtscts&dtr=off&rts=on",
			Address{Device: "/dev/cu.usbmodem1101", Options: Options{Baud: 460800, DataBits: 7, Parity: ParityEven, StopBits: StopBits2, Flow: FlowHardware, DTR: LineOff, RTS: LineOn}},
			"serial:/dev/cu.usbmodem1101?baud=460800&data_bits=7&dtr=off&flow=hardware&parity=even&stop_bits=2"},
		{"serial:/dev/ttyUSB0?stopbits=1.5&flow=xonxoff&parity=o", Address{Device: "/dev/ttyUSB0", Options: Options{StopBits: StopBits1Half, Flow: FlowSoftware, Parity: ParityOdd}},
			"serial:/dev/ttyUSB0?flow=software&parity=odd&stop_bits=1.5"},
	}
	for _, tc := range cases {
		got, err := ParseAddress(tc.in)
		if err != nil {
			t.Fatalf("%s: %v", tc.in, err)
		}
		if got != tc.want {
			t.Fatalf("%s: got %+v want %+v", tc.in, got, tc.want)
		}
		if s := got.String(); s != tc.str {
			t.Fatalf("%s: String() = %s, want %s", tc.in, s, tc.str)
		}
		again, err := ParseAddress(got.String())
		if err != nil || again.Device != got.Device || again.Options.normalized() != got.Options.normalized() {
			t.Fatalf("%s: round trip %+v %v", tc.in, again, err)
		}
	}
	bad := map[string]string{
		"serial:":                           "no device",
		"serial:?baud=9600":                 "no device",
		"serial:/dev/ttyUSB0?baud=fast":     "baud",
		"serial:/dev/ttyUSB0?baud=-1":       "baud",
		"serial:/dev/ttyUSB0?data_bits=9":   "data_bits",
		"serial:/dev/ttyUSB0?parity=weird":  "parity",
		"serial:/dev/ttyUSB0?stop_bits=3":   "stop_bits",
		"serial:/dev/ttyUSB0?flow=maybe":    "flow",
		"serial:/dev/ttyUSB0?dtr=sometimes": "dtr",
		"serial:/dev/ttyUSB0?bogus=1":       "unknown option",
		"serial:/dev/ttyUSB0?baud=%zz":      "bad options",
	}
	for in, frag := range bad {
		if _, err := ParseAddress(in); err == nil || !strings.Contains(err.Error(), frag) {
			t.Errorf("%s: error %v, want it to mention %q", in, err, frag)
		}
	}
	if !IsAddress("serial:/dev/x") || IsAddress("localhost:4369") {
		t.Fatal("IsAddress")
	}
}

func TestDefaultNodeName(t *testing.T) {
	for in, want := range map[string]string{
		"/dev/ttyUSB0":         "ttyUSB0@serial.local",
		"/dev/cu.usbmodem1101": "cu_usbmodem1101@serial.local",
		"/dev/pts/3":           "3@serial.local",
		`\\.\COM10`:            "COM10@serial.local",
		"COM3":                 "COM3@serial.local",
		"/dev/serial/by-id/usb-Espressif_USB_JTAG_serial_debug_unit_F4:12-if00": "usb-Espressif_USB_JTAG_serial_debug_unit_F4_12-if00@serial.local",
	} {
		if got := DefaultNodeName(in); got != want {
			t.Errorf("DefaultNodeName(%q) = %q, want %q", in, got, want)
		}
	}
	if Creation != 1 {
		t.Fatal("serial creation must be 1")
	}
}

func TestTransportSharesPorts(t *testing.T) {
	tr := NewTransport(PortConfig{})
	defer tr.Close()
	a, b := newPipePorts(t)
	tr.Adopt(a)
	p, err := tr.Port(Address{Device: a.Name()})
	if err != nil || p != a {
		t.Fatalf("adopted port not shared: %v", err)
	}
	if _, err := tr.Port(Address{Device: a.Name(), Options: Options{Baud: 9600}}); err == nil || !strings.Contains(err.Error(), "other settings") {
		t.Fatalf("settings mismatch: %v", err)
	}
	l, err := tr.Listen(a.Name())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tr.Listen(a.Name()); err == nil {
		t.Fatal("two listeners on one port")
	}
	l.Close()
	b.Close()
	<-a.Done() // the pipe's other end went away: the port fails
	if a.Err() == nil {
		t.Fatal("no error after the device failed")
	}
	if _, err := tr.Dial(t.Context(), Scheme+a.Name()); err == nil {
		t.Fatal("dial on a failed port that cannot be reopened succeeded")
	}
}

package serialdist

import (
	"fmt"
	"net/url"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
)

// Scheme prefixes a serial address: "serial:/dev/ttyUSB0".
const Scheme = "serial:"

// DefaultBaud is AtomVM's default UART speed.
const DefaultBaud = 115200

// Parity of a serial line.
type Parity uint8

// Parity settings.
const (
	ParityNone Parity = iota
	ParityOdd
	ParityEven
	ParityMark
	ParitySpace
)

var parityNames = []string{"none", "odd", "even", "mark", "space"}

// String returns the name used in addresses ("none", "even", ...).
func (p Parity) String() string {
	if int(p) < len(parityNames) {
		return parityNames[p]
	}
	return "parity(" + strconv.Itoa(int(p)) + ")"
}

// StopBits of a serial line.
type StopBits uint8

// Stop-bit settings.
const (
	StopBits1 StopBits = iota
	StopBits1Half
	StopBits2
)

// String returns "1", "1.5" or "2".
func (s StopBits) String() string {
	switch s {
	case StopBits1:
		return "1"
	case StopBits1Half:
		return "1.5"
	case StopBits2:
		return "2"
	}
	return "stopbits(" + strconv.Itoa(int(s)) + ")"
}

// Flow control of a serial line.
type Flow uint8

// Flow-control settings. AtomVM's default is none.
const (
	FlowNone Flow = iota
	// FlowHardware is RTS/CTS.
	FlowHardware
	// FlowSoftware is XON/XOFF. Frames are binary, so it only works if
	// the line never carries 0x11/0x13 in a frame: avoid it for
	// distribution.
	FlowSoftware
)

// String returns "none", "hardware" or "software".
func (f Flow) String() string {
	switch f {
	case FlowNone:
		return "none"
	case FlowHardware:
		return "hardware"
	case FlowSoftware:
		return "software"
	}
	return "flow(" + strconv.Itoa(int(f)) + ")"
}

// Line is the state to put a modem-control output (DTR, RTS) in when the
// port opens.
type Line uint8

// Line states. The default (both asserted) is what most serial programs
// do; it keeps classic ESP32 auto-reset circuits out of reset and lets
// USB CDC devices (RP2040, TinyUSB) send.
const (
	LineDefault Line = iota
	LineOn
	LineOff
)

func (l Line) on() bool { return l != LineOff }

// Options are a serial line's settings. The zero value is 115200 8N1
// with no flow control and DTR/RTS asserted.
type Options struct {
	Baud     int // 0 means DefaultBaud
	DataBits int // 5..8; 0 means 8
	Parity   Parity
	StopBits StopBits
	Flow     Flow
	DTR, RTS Line
}

// normalized fills the defaults.
func (o Options) normalized() Options {
	if o.Baud == 0 {
		o.Baud = DefaultBaud
	}
	if o.DataBits == 0 {
		o.DataBits = 8
	}
	// Opening a tty asserts both lines anyway: "on" is the default.
	if o.DTR == LineOn {
		o.DTR = LineDefault
	}
	if o.RTS == LineOn {
		o.RTS = LineDefault
	}
	return o
}

// Address is a parsed serial address: a device and its line settings.
type Address struct {
	// Device is the path of the device ("/dev/ttyUSB0", "COM3").
	Device string
	Options
}

// String returns the canonical form, with only non-default settings:
// "serial:/dev/ttyUSB0?baud=921600".
func (a Address) String() string {
	q := url.Values{}
	o := a.Options.normalized()
	if o.Baud != DefaultBaud {
		q.Set("baud", strconv.Itoa(o.Baud))
	}
	if o.DataBits != 8 {
		q.Set("data_bits", strconv.Itoa(o.DataBits))
	}
	if o.Parity != ParityNone {
		q.Set("parity", o.Parity.String())
	}
	if o.StopBits != StopBits1 {
		q.Set("stop_bits", o.StopBits.String())
	}
	if o.Flow != FlowNone {
		q.Set("flow", o.Flow.String())
	}
	if o.DTR == LineOff {
		q.Set("dtr", "off")
	}
	if o.RTS == LineOff {
		q.Set("rts", "off")
	}
	s := Scheme + a.Device
	if len(q) > 0 {
		s += "?" + q.Encode()
	}
	return s
}

// IsAddress reports whether s uses the serial scheme ("serial:...").
func IsAddress(s string) bool {
	return strings.HasPrefix(strings.ToLower(s), Scheme)
}

// addressKey is the canonical name of an accepted query key (or one of
// its aliases).
func addressKey(k string) (string, bool) {
	switch k {
	case "baud", "speed":
		return "baud", true
	case "data_bits", "databits", "bits":
		return "data_bits", true
	case "parity":
		return "parity", true
	case "stop_bits", "stopbits":
		return "stop_bits", true
	case "flow", "flow_control":
		return "flow", true
	case "dtr", "rts":
		return k, true
	}
	return "", false
}

// ParseAddress parses a serial address:
//
//	serial:/dev/ttyUSB0
//	serial:/dev/ttyUSB0?baud=921600&parity=none&flow=none
//	serial:ttyACM0            (a bare name means /dev/ttyACM0 on Unix)
//	serial:COM3               (Windows)
//	/dev/ttyUSB0              (the scheme may be left out)
//
// Query keys: baud (speed), data_bits (5–8), parity (none, odd, even,
// mark, space), stop_bits (1, 1.5, 2), flow (none, hardware/rtscts,
// software/xonxoff), dtr and rts (on, off).
func ParseAddress(s string) (Address, error) {
	raw := s
	if IsAddress(s) {
		s = s[len(Scheme):]
	}
	s = strings.TrimPrefix(s, "//") // tolerate serial:///dev/ttyUSB0
	dev, query, _ := strings.Cut(s, "?")
	if dev == "" {
		return Address{}, fmt.Errorf("serial address %q: no device (expected e.g. serial:/dev/ttyUSB0 or serial:COM3)", raw)
	}
	a := Address{Device: ResolveDevice(dev)}
	if query == "" {
		return a, nil
	}
	vals, err := url.ParseQuery(query)
	if err != nil {
		return Address{}, fmt.Errorf("serial address %q: bad options: %w", raw, err)
	}
	keys := make([]string, 0, len(vals))
	for k := range vals {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := strings.ToLower(vals.Get(k))
		canon, ok := addressKey(strings.ToLower(k))
		if !ok {
			return Address{}, fmt.Errorf("serial address %q: unknown option %q (known: baud, data_bits, parity, stop_bits, flow, dtr, rts)", raw, k)
		}
		if err := a.set(canon, v); err != nil {
			return Address{}, fmt.Errorf("serial address %q: %w", raw, err)
		}
	}
	return a, nil
}

func (a *Address) set(key, v string) error {
	switch key {
	case "baud":
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 || n > 20_000_000 {
			return fmt.Errorf("baud %q is not a positive speed in bits per second (e.g. 115200)", v)
		}
		a.Baud = n
	case "data_bits":
		n, err := strconv.Atoi(v)
		if err != nil || n < 5 || n > 8 {
			return fmt.Errorf("data_bits %q must be 5, 6, 7 or 8", v)
		}
		a.DataBits = n
	case "parity":
		for i, name := range parityNames {
			if v == name || (len(v) == 1 && v[0] == name[0]) {
				a.Parity = Parity(i)
				return nil
			}
		}
		return fmt.Errorf("parity %q must be none, odd, even, mark or space", v)
	case "stop_bits":
		switch v {
		case "1":
			a.StopBits = StopBits1
		case "1.5":
			a.StopBits = StopBits1Half
		case "2":
			a.StopBits = StopBits2
		default:
			return fmt.Errorf("stop_bits %q must be 1, 1.5 or 2", v)
		}
	case "flow":
		switch v {
		case "none", "off", "no":
			a.Flow = FlowNone
		case "hardware", "rtscts", "rts/cts", "hw":
			a.Flow = FlowHardware
		case "software", "xonxoff", "xon/xoff", "sw":
			a.Flow = FlowSoftware
		default:
			return fmt.Errorf("flow %q must be none, hardware (rtscts) or software (xonxoff)", v)
		}
	case "dtr", "rts":
		var l Line
		switch v {
		case "on", "1", "true", "yes":
			l = LineOn
		case "off", "0", "false", "no":
			l = LineOff
		default:
			return fmt.Errorf("%s %q must be on or off", key, v)
		}
		if key == "dtr" {
			a.DTR = l
		} else {
			a.RTS = l
		}
	}
	return nil
}

// ResolveDevice turns a bare device name into a path: "ttyUSB0" becomes
// "/dev/ttyUSB0" on Unix; Windows names (COM3) and paths are kept.
func ResolveDevice(dev string) string {
	if runtime.GOOS == "windows" || strings.ContainsAny(dev, `/\`) {
		return dev
	}
	return "/dev/" + dev
}

// DefaultNodeName derives a node name from a device path the way
// AtomVM's tests do: "/dev/ttyUSB0" → "ttyUSB0@serial.local". Characters
// that are not letters, digits, '_' or '-' become '_'.
func DefaultNodeName(device string) string {
	base := filepath.Base(strings.ReplaceAll(device, `\`, "/"))
	base = strings.TrimPrefix(base, ".") // Windows \\.\COM10
	var b strings.Builder
	for _, r := range base {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_', r == '-':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	if b.Len() == 0 {
		b.WriteString("serial")
	}
	return b.String() + "@" + NodeHost
}

// NodeHost is the conventional host part of node names on serial links
// (AtomVM with longnames needs a dot in it; it is not used for routing).
const NodeHost = "serial.local"

// Creation is the creation of every node on a serial link: AtomVM
// hard-codes 1 in serial_dist:listen (§1.5), and BEAM nodes running
// serial_dist get 1 too.
const Creation uint32 = 1

package devices

import (
	"regexp"
	"strconv"
	"strings"
	"sync"
)

var (
	ioregNode = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\+-o .*<class ([A-Za-z0-9_]+)`) })
	ioregProp = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`"([^"]+)" = (.*)$`) })
)

// parseIoreg reads the output of `ioreg -r -c IOUSBHostDevice -l -w0`
// (macOS): a tree of registry entries, "+-o Name <class C, ...>" lines
// indented by depth, each followed by its properties. Every
// IOSerialBSDClient's "IOCalloutDevice" (/dev/cu.*) is matched with the
// nearest USB device above it, whose idVendor/idProduct are decimal.
func parseIoreg(out string) []portInfo {
	type node struct {
		depth int
		usb   *portInfo
	}
	var stack []node
	var ports []portInfo
	for _, line := range strings.Split(out, "\n") {
		if i := strings.Index(line, "+-o "); i >= 0 {
			for len(stack) > 0 && stack[len(stack)-1].depth >= i {
				stack = stack[:len(stack)-1]
			}
			n := node{depth: i}
			if m := ioregNode().FindStringSubmatch(line); m != nil && (m[1] == "IOUSBHostDevice" || m[1] == "IOUSBDevice") {
				n.usb = &portInfo{USB: true}
			}
			stack = append(stack, n)
			continue
		}
		m := ioregProp().FindStringSubmatch(line)
		if m == nil || len(stack) == 0 {
			continue
		}
		key, val := m[1], strings.TrimSpace(m[2])
		cur := stack[len(stack)-1]
		if key == "IOCalloutDevice" {
			for i := len(stack) - 1; i >= 0; i-- {
				if u := stack[i].usb; u != nil {
					p := *u
					p.Path = unquote(val)
					ports = append(ports, p)
					break
				}
			}
			continue
		}
		if cur.usb == nil {
			continue
		}
		switch key {
		case "idVendor":
			cur.usb.VID = decToHex(val)
		case "idProduct":
			cur.usb.PID = decToHex(val)
		case "USB Serial Number", "kUSBSerialNumberString":
			cur.usb.Serial = unquote(val)
		case "USB Product Name", "kUSBProductString":
			cur.usb.Product = unquote(val)
		case "USB Vendor Name", "kUSBVendorString":
			cur.usb.Manufacturer = unquote(val)
		}
	}
	return ports
}

func unquote(s string) string {
	if u, err := strconv.Unquote(s); err == nil {
		return u
	}
	return strings.Trim(s, `"`)
}

func decToHex(s string) string {
	n, err := strconv.ParseUint(strings.TrimSpace(s), 0, 16)
	if err != nil {
		return ""
	}
	return normHex(strconv.FormatUint(n, 16))
}

package espflash_test

import (
	"bytes"
	"testing"

	"github.com/avmsh/avmsh/devices/espflash"
	"github.com/avmsh/avmsh/internal/espsim"
)

// Each fault must end in an error naming the port and the step, never
// in a reported success.
func TestFaults(t *testing.T) {
	const deflData, md5Op = 0x11, 0x13
	app := testAVM(200_000, 9) // 4 compressed blocks and more
	cases := []struct {
		name   string
		faults espsim.Faults
		step   string
		want   error
	}{
		{"corrupted status", espsim.Faults{Response: func(op byte, n int, f []byte) []byte {
			if op == deflData && n == 3 {
				return flipPayload(f, 8) // the first of the stub's 2 status bytes
			}
			return f
		}}, "write main.avm at 0x250000", nil},
		{"corrupted MD5", espsim.Faults{Response: func(op byte, n int, f []byte) []byte {
			if op == md5Op && n > 1 { // after the first comparison
				return flipPayload(f, 10)
			}
			return f
		}}, "main.avm at 0x250000", nil},
		{"dropped byte", espsim.Faults{Response: func(op byte, n int, f []byte) []byte {
			if op == deflData && n == 2 {
				return f[:len(f)-1] // the closing C0 is lost
			}
			return f
		}}, "write main.avm at 0x250000", nil},
		{"port vanishes mid-write", espsim.Faults{VanishOp: deflData, VanishAt: 3}, "write main.avm at 0x250000", espflash.ErrLinkClosed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newSim(t, espsim.Config{Chip: "ESP32", Faults: tc.faults})
			res, err := run(t, s, s.Link(ctxT(t)), espflash.Options{}, espflash.Job{App: app})
			checkErr(t, res, err, tc.want, tc.step)
			if bytes.Equal(s.Flash(0x250000, len(app)), app) && tc.name != "corrupted MD5" {
				t.Error("the whole file reached the flash although the write failed")
			}
		})
	}
}

func TestBoardThatNeverSyncs(t *testing.T) {
	// The chip runs its application and the port has no modem lines to
	// reset it: nobody answers SYNC.
	s := newSim(t, espsim.Config{Chip: "ESP32"})
	res, err := run(t, s, espsim.NoLines{HostLink: s.Link(ctxT(t))}, espflash.Options{}, espflash.Job{App: testAVM(100, 1)})
	checkErr(t, res, err, espflash.ErrNoSync, "sync")
	if e := err.Error(); !bytes.Contains([]byte(e), []byte("hold the BOOT")) || !bytes.Contains([]byte(e), []byte("the reset failed")) {
		t.Errorf("no advice or no reset failure in %q", e)
	}
}

// flipPayload flips the low bit of byte i of a SLIP frame's packet.
func flipPayload(frame []byte, i int) []byte {
	var pkt []byte
	espflash.NewSLIPDecoder(1<<16).Feed(frame, func(p []byte) { pkt = append([]byte(nil), p...) }, nil)
	pkt[i] ^= 0x01
	return espflash.AppendSLIP(nil, pkt)
}

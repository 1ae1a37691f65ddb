package espflash_test

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"testing"

	"github.com/avmsh/avmsh/devices/avm"
	"github.com/avmsh/avmsh/devices/espflash"
	"github.com/avmsh/avmsh/internal/espsim"
)

const (
	opReadFlash      = 0xD2
	opFlashDeflBegin = 0x10
)

// pack makes a real .avm: n records of size bytes each.
func pack(n, size int, seed byte) []byte {
	var rs []avm.Record
	for i := range n {
		data := bytes.Repeat([]byte{seed + byte(i)}, size)
		rs = append(rs, avm.Record{Name: string(rune('a'+i)) + ".beam", Flags: avm.FlagBEAM, Data: data})
	}
	rs[0].Flags |= avm.FlagStart
	return avm.Encode(rs)
}

// A Rebuild job reads the board's .avm (as far as the pack goes, not the
// stale bytes after it), writes what the rebuild makes of it only where
// sectors differ, and verifies it.
func TestRebuildReadsThenWritesChangedSectors(t *testing.T) {
	s := newSim(t, espsim.Config{Chip: "ESP32"})
	old := pack(12, 5000, 1) // 12 records of ~5 KiB: ~15 sectors
	s.WriteFlash(0x250000, old)
	s.WriteFlash(0x250000+len(old), bytes.Repeat([]byte{0xAB}, 8192)) // an older, longer app's tail
	var got []byte
	var phases []string
	next := func(cur []byte) ([]byte, error) {
		got = append([]byte(nil), cur...)
		d, err := avm.Decode(cur)
		if err != nil {
			return nil, err
		}
		d.Records[6].Data = bytes.Repeat([]byte{0xEE}, 5000) // one module changed
		return avm.Encode(d.Records), nil
	}
	res, err := run(t, s, s.Link(ctxT(t)), espflash.Options{FlashBaud: 460800, Progress: func(p espflash.Progress) {
		if n := len(phases); n == 0 || phases[n-1] != p.Phase {
			phases = append(phases, p.Phase)
		}
	}}, espflash.Job{Rebuild: next})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, old) {
		t.Fatalf("the rebuild was given %d bytes, not the board's %d-byte .avm", len(got), len(old))
	}
	want, _ := next(old)
	if !bytes.Equal(s.Flash(0x250000, len(want)), want) {
		t.Fatal("flash differs from the rebuilt .avm")
	}
	sum := md5.Sum(old)
	if res.Previous == nil || res.Previous.Size != len(old) || res.Previous.MD5 != hex.EncodeToString(sum[:]) {
		t.Errorf("previous %+v", res.Previous)
	}
	// The changed record spans two or three sectors; the last sector is
	// rewritten too, as the stale tail after the pack is erased (0xFF)
	// in the padded image.
	if res.App == nil || res.App.Size != len(want) || res.App.Written == 0 || res.App.Written > 4*4096 || res.App.Skipped < 11*4096 {
		t.Errorf("region %+v: want the changed record's sectors and the last one written, the rest skipped", res.App)
	}
	if len(res.Partitions) != len(espflash.AtomVMPartitions()) {
		t.Errorf("partitions %v", res.Partitions)
	}
	// The table (one request) and the pack (a few, never the whole 1 MiB
	// partition: ~61 KiB of it, in sectors).
	if n := s.Count(opReadFlash); n < 2 || n > 20 {
		t.Errorf("%d READ_FLASH requests", n)
	}
	if phases[0] != "read" || phases[len(phases)-1] != "verify" {
		t.Errorf("phases %v", phases)
	}
}

func TestRebuildRefusals(t *testing.T) {
	t.Run("erased partition", func(t *testing.T) {
		s := newSim(t, espsim.Config{Chip: "ESP32"})
		res, err := run(t, s, s.Link(ctxT(t)), espflash.Options{}, espflash.Job{Rebuild: func(b []byte) ([]byte, error) { return b, nil }})
		checkErr(t, res, err, espflash.ErrNoApp, "read the application in main.avm at 0x250000")
		if s.Count(opFlashDeflBegin) != 0 {
			t.Error("something was written")
		}
	})
	t.Run("pack runs past the partition", func(t *testing.T) {
		ps := espflash.AtomVMPartitions()
		ps[len(ps)-1].Size = 0x2000
		s := newSim(t, espsim.Config{Chip: "ESP32", Partitions: ps})
		s.WriteFlash(0x250000, pack(3, 5000, 1))
		res, err := run(t, s, s.Link(ctxT(t)), espflash.Options{}, espflash.Job{Rebuild: func(b []byte) ([]byte, error) { return b, nil }})
		checkErr(t, res, err, espflash.ErrNoApp, "read the application")
	})
	t.Run("the rebuild fails", func(t *testing.T) {
		s := newSim(t, espsim.Config{Chip: "ESP32"})
		s.WriteFlash(0x250000, pack(2, 100, 1))
		boom := errors.New("no such module")
		res, err := run(t, s, s.Link(ctxT(t)), espflash.Options{}, espflash.Job{Rebuild: func([]byte) ([]byte, error) { return nil, boom }})
		checkErr(t, res, err, boom, "rebuild the application")
		if s.Count(opFlashDeflBegin) != 0 {
			t.Error("something was written")
		}
	})
	t.Run("the rebuild makes no .avm", func(t *testing.T) {
		s := newSim(t, espsim.Config{Chip: "ESP32"})
		s.WriteFlash(0x250000, pack(2, 100, 1))
		res, err := run(t, s, s.Link(ctxT(t)), espflash.Options{}, espflash.Job{Rebuild: func([]byte) ([]byte, error) { return []byte("hello"), nil }})
		checkErr(t, res, err, espflash.ErrNotAVM, "rebuild the application")
	})
	t.Run("app and rebuild", func(t *testing.T) {
		s := newSim(t, espsim.Config{Chip: "ESP32"})
		_, err := run(t, s, s.Link(ctxT(t)), espflash.Options{}, espflash.Job{App: pack(1, 4, 1), Rebuild: func(b []byte) ([]byte, error) { return b, nil }})
		if err == nil {
			t.Fatal("no error")
		}
	})
}

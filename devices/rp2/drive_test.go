package rp2

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/avmsh/avmsh/devices/uf2"
)

// FakeDrive makes a directory that looks like a mounted BOOTSEL drive.
func fakeDrive(t *testing.T, root, label, boardID string) string {
	t.Helper()
	dir := filepath.Join(root, label)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	info := "UF2 Bootloader v3.0\r\nModel: Raspberry Pi " + boardID + "\r\nBoard-ID: " + boardID + "\r\n"
	if err := os.WriteFile(filepath.Join(dir, "INFO_UF2.TXT"), []byte(info), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// fakeROM takes the first .uf2 written to dir, decodes it and then
// "reboots": the drive goes away.
func fakeROM(t *testing.T, dir string) <-chan []uf2.Block {
	got := make(chan []uf2.Block, 1)
	go func() {
		deadline := time.Now().Add(30 * time.Second)
		for time.Now().Before(deadline) {
			ms, _ := filepath.Glob(filepath.Join(dir, "*.uf2"))
			if len(ms) == 1 {
				b, err := os.ReadFile(ms[0])
				if err == nil && len(b) > 0 && len(b)%uf2.BlockSize == 0 {
					blocks, err := uf2.Decode(b)
					if err == nil {
						os.RemoveAll(dir)
						got <- blocks
						return
					}
				}
			}
			time.Sleep(10 * time.Millisecond)
		}
		close(got)
	}()
	return got
}

func TestFindAndCopy(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "USBSTICK"), 0o755); err != nil {
		t.Fatal(err)
	}
	dir := fakeDrive(t, root, "RPI-RP2", "RPI-RP2")
	f := Finder{Roots: []string{root}}
	ds := f.Find()
	if len(ds) != 1 || ds[0].Path != dir || ds[0].Chip() != "RP2040" {
		t.Fatalf("found %+v", ds)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	d, err := f.Wait(ctx, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	data := uf2.Encode([]byte("#!/usr/bin/env AtomVM\n\x00\x00 app"), uf2.AppAddress, uf2.RP2040)
	rom := fakeROM(t, dir)
	if err := Copy(ctx, d, "app.uf2", data, 20*time.Second); err != nil {
		t.Fatal(err)
	}
	if blocks := <-rom; len(blocks) != 1 || blocks[0].Addr != uf2.AppAddress {
		t.Fatalf("the ROM got %+v", blocks)
	}
}

func TestCopyIgnoredByROM(t *testing.T) {
	root := t.TempDir()
	dir := fakeDrive(t, root, "RP2350", "RP2350")
	d, ok := ReadDrive(dir)
	if !ok || d.Chip() != "RP2350" {
		t.Fatalf("%+v %v", d, ok)
	}
	err := Copy(context.Background(), d, "app.uf2", []byte("x"), 300*time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), "did not take") || !strings.Contains(err.Error(), "this chip, rp2350") || !errors.As(err, new(*NotTakenError)) || strings.Contains(err.Error(), "--") {
		t.Fatalf("error %v", err)
	}
}

func TestWaitErrors(t *testing.T) {
	root := t.TempDir()
	f := Finder{Roots: []string{root}}
	if _, err := f.Wait(context.Background(), 300*time.Millisecond); err == nil || !strings.Contains(err.Error(), "BOOTSEL") {
		t.Fatalf("no drive: %v", err)
	}
	fakeDrive(t, root, "A", "RPI-RP2")
	fakeDrive(t, root, "B", "RP2350")
	if _, err := f.Wait(context.Background(), time.Second); err == nil || !strings.Contains(err.Error(), "2 BOOTSEL drives") {
		t.Fatalf("two drives: %v", err)
	}
}

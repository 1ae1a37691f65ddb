package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Page-cache states a binary is measured in (-cache). How a binary's
// pages came into the page cache changes what every page fault of its
// start-up costs: on this machine (Linux 6.18, ext4) the same avmsh
// binary ran a one-shot rpc 1.2× slower when its pages had been read in
// by exec's page faults than just after it was written with write(2),
// and a binary as the Go linker leaves it is in between
// (docs/benchmarks.md, "Start-up"). The bigger the binary, the larger
// the effect, so the tools are measured in one state, all alike.
const (
	// cacheInstalled: each binary is rewritten with write(2) into a new
	// file, as `go install` (from the build cache) and unpacking the
	// release archive put it in place.
	cacheInstalled = "installed"
	// cacheRead: rewritten, synced, and its pages dropped from the page
	// cache; the warm-up run reads them back through page faults, as
	// the first run after a reboot does.
	cacheRead = "read"
	// cacheLinked: as the linker left it.
	cacheLinked = "linked"
)

// settle puts the binary bin in the page-cache state.
func settle(bin, state string) error {
	switch state {
	case cacheLinked:
		return nil
	case cacheInstalled, cacheRead:
	default:
		return fmt.Errorf("-cache %q: want %s, %s or %s", state, cacheInstalled, cacheRead, cacheLinked)
	}
	if err := rewrite(bin); err != nil {
		return fmt.Errorf("rewrite %s: %w", bin, err)
	}
	if state == cacheRead {
		if err := dropCached(bin); err != nil {
			return fmt.Errorf("drop %s from the page cache: %w", bin, err)
		}
	}
	return nil
}

// rewrite copies bin into a new file with write(2) and renames it over
// bin.
func rewrite(bin string) error {
	src, err := os.Open(bin)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := os.CreateTemp(filepath.Dir(bin), filepath.Base(bin)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(dst.Name()) // after the rename: nothing
	// Not io.Copy: on Linux it would use copy_file_range, which may
	// share the extents instead of writing pages.
	buf := make([]byte, 1<<20)
	if _, err := io.CopyBuffer(struct{ io.Writer }{dst}, struct{ io.Reader }{src}, buf); err != nil {
		dst.Close()
		return err
	}
	if err := dst.Sync(); err != nil {
		dst.Close()
		return err
	}
	if err := dst.Chmod(0o755); err != nil {
		dst.Close()
		return err
	}
	if err := dst.Close(); err != nil {
		return err
	}
	return os.Rename(dst.Name(), bin)
}

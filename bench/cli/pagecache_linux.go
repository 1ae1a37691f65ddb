package main

import (
	"os"

	"golang.org/x/sys/unix"
)

// dropCached drops bin's pages from the page cache (they are clean:
// rewrite synced them).
func dropCached(bin string) error {
	f, err := os.Open(bin)
	if err != nil {
		return err
	}
	defer f.Close()
	return unix.Fadvise(int(f.Fd()), 0, 0, unix.FADV_DONTNEED)
}

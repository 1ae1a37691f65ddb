//go:build !linux

package main

import "errors"

func dropCached(string) error {
	return errors.New("-cache read needs Linux (posix_fadvise)")
}

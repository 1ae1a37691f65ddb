package espflash

import (
	"bytes"
	"encoding/binary"
	"fmt"
)

// AVMHeader starts every AtomVM packbeam file (shared/spec/flashing.md
// §4): "#!/usr/bin/env AtomVM\n" and two NULs, 24 bytes.
var AVMHeader = []byte("#!/usr/bin/env AtomVM\n\x00\x00")

// CheckAVM checks that b is an AtomVM .avm file (its header).
func CheckAVM(b []byte) error {
	if len(b) < len(AVMHeader) || !bytes.Equal(b[:len(AVMHeader)], AVMHeader) {
		head := b[:min(len(b), 8)]
		return fmt.Errorf("%w: it does not start with %q (it starts with % x); build one with packbeam or 'rebar3 atomvm packbeam'", ErrNotAVM, "#!/usr/bin/env AtomVM", head)
	}
	return nil
}

// ESP application image header (ESP-IDF "App Image Format"): magic
// 0xE9, segment count, flash mode, size/frequency, entry point, then the
// extended header whose bytes 12–13 are the chip id.
const imageMagic = 0xE9

// ImageChip reads the chip id of an ESP image (a bootloader or an
// application, or a whole firmware image, which starts with the
// bootloader).
func ImageChip(b []byte) (uint16, error) {
	if len(b) < 24 || b[0] != imageMagic {
		return 0, fmt.Errorf("not an ESP firmware image: it does not start with the image magic 0xE9 (use the .img/.bin of an AtomVM release for this chip)")
	}
	return binary.LittleEndian.Uint16(b[12:]), nil
}

// CheckImageChip checks that a firmware image is for chip.
func CheckImageChip(b []byte, chip Chip) error {
	id, err := ImageChip(b)
	if err != nil {
		return err
	}
	if id != chip.ID {
		name := fmt.Sprintf("chip id %d", id)
		if c, ok := ChipByID(id); ok {
			name = c.Name
		}
		return fmt.Errorf("%w: the image is for %s, the board is an %s; download the AtomVM image built for %s", ErrWrongChip, name, chip.Name, chip.Name)
	}
	return nil
}

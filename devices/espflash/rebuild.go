package espflash

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/avmsh/avmsh/devices/avm"
)

// rebuild reads the .avm in the application partition p and returns
// what fn makes of it (a Rebuild job).
func (r *runner) rebuild(ctx context.Context, p Partition, fn func([]byte) ([]byte, error)) ([]byte, error) {
	l := r.l
	r.progress(Progress{Region: p.Label, Phase: "read"})
	cur, err := readAVM(ctx, l, p, func(done int) {
		r.progress(Progress{Region: p.Label, Phase: "read", Done: int64(done)})
	})
	if err != nil {
		e := l.wrap(fmt.Sprintf("read the application in %s at 0x%X", p.Label, p.Offset), err)
		if errors.Is(err, ErrNoApp) {
			e.Hint, e.Advice = "flash the whole application (an .avm packed with all its modules) once", AdviceWholeApp
		}
		return nil, e
	}
	sum := md5.Sum(cur)
	r.previous = &Previous{Size: len(cur), MD5: hex.EncodeToString(sum[:])}
	l.log(fmt.Sprintf("Read %s from the board: %d bytes, MD5 %s", p.Label, len(cur), r.previous.MD5))
	next, err := fn(cur)
	if err != nil {
		return nil, l.wrap("rebuild the application", err)
	}
	if err := CheckAVM(next); err != nil {
		return nil, l.wrap("rebuild the application", err)
	}
	return next, nil
}

// readAVM reads the .avm at the start of partition p: a sector at first,
// then as much more as its record headers say it needs (avm.Extent),
// never past the partition. At 115200 baud a 100 KiB application takes
// about 9 s to read; after CHANGE_BAUDRATE to 460800, about 2.3 s.
func readAVM(ctx context.Context, l *Loader, p Partition, progress func(int)) ([]byte, error) {
	var b []byte
	for {
		end, need, err := avm.Extent(b)
		if err != nil {
			head := b[:min(len(b), 8)]
			return nil, fmt.Errorf("%w: partition %q does not hold an .avm (it starts with % x): %v", ErrNoApp, p.Label, head, err)
		}
		if end > 0 {
			return b[:end], nil
		}
		if need > int(p.Size) {
			return nil, fmt.Errorf("%w: the .avm in partition %q runs past its end (%d bytes needed, the partition has %d): it is damaged", ErrNoApp, p.Label, need, p.Size)
		}
		upto := min((need+sectorSize-1)/sectorSize*sectorSize, int(p.Size))
		chunk, err := l.ReadFlash(ctx, p.Offset+uint32(len(b)), uint32(upto-len(b)))
		if err != nil {
			return nil, err
		}
		b = append(b, chunk...)
		progress(len(b))
	}
}

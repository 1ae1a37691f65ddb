package espflash

import (
	"bytes"
	"compress/zlib"
	"context"
	"crypto/md5"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
)

// Attach attaches the SPI flash, reads its JEDEC id through the SPI1
// controller (the RDID dance of esptool's run_spiflash_command) and sets
// the flash parameters. Info().FlashSize is set if the id is sensible.
func (l *Loader) Attach(ctx context.Context) error {
	if l.attached {
		return nil
	}
	arg := le32(0)
	if !l.stub {
		arg = le32(0, 0) // the ROM takes a second word
	}
	if _, err := l.c.command(ctx, opSPIAttach, arg, 0, 0, defaultTimeout); err != nil {
		return l.wrap("attach flash", err)
	}
	id, err := l.flashID(ctx)
	if err != nil {
		return l.wrap("read flash id", err)
	}
	l.info.FlashID = id
	size := uint32(4 << 20)
	if c := (id >> 16) & 0xFF; c >= 18 && c <= 27 {
		size = 1 << c
		l.info.FlashSize = int(size)
	}
	if _, err := l.c.command(ctx, opSPISetParams, le32(0, size, 64<<10, sectorSize, 256, 0xFFFF), 0, 0, defaultTimeout); err != nil {
		return l.wrap("set flash parameters", err)
	}
	l.attached = true
	if l.info.FlashSize > 0 {
		l.log(fmt.Sprintf("Flash size %d MB", l.info.FlashSize>>20))
	}
	return nil
}

// flashID runs the RDID (0x9F) command through SPI1's user-command
// registers and returns the 24 bits read (manufacturer, type, capacity).
func (l *Loader) flashID(ctx context.Context) (uint32, error) {
	c := l.chip
	base := c.SPIBase
	const (
		usrCommand = 1 << 31
		usrMISO    = 1 << 28
		cmdUSR     = 1 << 18
	)
	if c.SPIMISODLen != 0 {
		if err := l.WriteReg(ctx, base+c.SPIMISODLen, 23); err != nil {
			return 0, err
		}
	} else if err := l.WriteReg(ctx, base+c.SPIUSR1, 23<<8); err != nil {
		return 0, err
	}
	oldUSR, err := l.ReadReg(ctx, base+c.SPIUSR)
	if err != nil {
		return 0, err
	}
	oldUSR2, err := l.ReadReg(ctx, base+c.SPIUSR2)
	if err != nil {
		return 0, err
	}
	for _, w := range [][2]uint32{{base + c.SPIUSR, usrCommand | usrMISO}, {base + c.SPIUSR2, 7<<28 | 0x9F}, {base + c.SPIW0, 0}, {base, cmdUSR}} {
		if err := l.WriteReg(ctx, w[0], w[1]); err != nil {
			return 0, err
		}
	}
	done := false
	for i := 0; i < 10 && !done; i++ {
		v, err := l.ReadReg(ctx, base)
		if err != nil {
			return 0, err
		}
		done = v&cmdUSR == 0
	}
	if !done {
		return 0, errors.New("the SPI flash command did not complete")
	}
	id, err := l.ReadReg(ctx, base+c.SPIW0)
	if err != nil {
		return 0, err
	}
	if err := l.WriteReg(ctx, base+c.SPIUSR, oldUSR); err != nil {
		return 0, err
	}
	if err := l.WriteReg(ctx, base+c.SPIUSR2, oldUSR2); err != nil {
		return 0, err
	}
	return id & 0xFFFFFF, nil
}

// ReadFlash reads size bytes at addr (stub only: READ_FLASH sends
// packets that the host acknowledges with the running byte count, then
// the MD5 of everything sent, which is checked).
func (l *Loader) ReadFlash(ctx context.Context, addr, size uint32) ([]byte, error) {
	if !l.stub {
		return nil, ErrNeedsStub
	}
	if err := l.Attach(ctx); err != nil {
		return nil, err
	}
	const packet = 0x1000
	if _, err := l.c.command(ctx, opReadFlash, le32(addr, size, packet, 2), 0, 0, defaultTimeout); err != nil {
		return nil, err
	}
	out := make([]byte, 0, size)
	timeout := defaultTimeout + l.lineTime(packet)
	for uint32(len(out)) < size {
		f, err := l.c.nextFrame(ctx, timeout)
		if err != nil {
			return nil, fmt.Errorf("read 0x%X bytes at 0x%08X: after %d bytes: %w", size, addr, len(out), err)
		}
		if len(f) > packet || uint32(len(out)+len(f)) > size {
			return nil, fmt.Errorf("read 0x%X bytes at 0x%08X: the board sent a %d-byte packet after %d bytes", size, addr, len(f), len(out))
		}
		out = append(out, f...)
		if err := l.c.sendFrame(ctx, le32(uint32(len(out)))); err != nil {
			return nil, err
		}
	}
	f, err := l.c.nextFrame(ctx, timeout)
	if err != nil {
		return nil, fmt.Errorf("read 0x%X bytes at 0x%08X: no MD5 at the end: %w", size, addr, err)
	}
	if sum := md5.Sum(out); len(f) != 16 || !bytes.Equal(f, sum[:]) {
		return nil, fmt.Errorf("read 0x%X bytes at 0x%08X: the data's MD5 does not match the board's (corrupted on the line)", size, addr)
	}
	return out, nil
}

// MD5 asks the loader for the MD5 of size bytes of flash at addr
// (SPI_FLASH_MD5: 16 raw bytes from the stub, 32 hex digits from the
// ROM).
func (l *Loader) MD5(ctx context.Context, addr, size uint32) ([16]byte, error) {
	if err := l.Attach(ctx); err != nil {
		return [16]byte{}, err
	}
	if err := l.c.sendFrame(ctx, request(opSPIFlashMD5, le32(addr, size, 0, 0), 0)); err != nil {
		return [16]byte{}, err
	}
	return l.readMD5(ctx, l.md5Timeout(size))
}

func (l *Loader) md5Timeout(size uint32) time.Duration {
	return defaultTimeout + time.Duration(float64(md5PerMB)*float64(size)/(1<<20))
}

// readMD5 reads one SPI_FLASH_MD5 answer.
func (l *Loader) readMD5(ctx context.Context, timeout time.Duration) ([16]byte, error) {
	var sum [16]byte
	r, err := l.c.readResponse(ctx, opSPIFlashMD5, timeout)
	if err != nil {
		return sum, err
	}
	n := 16
	if !l.stub {
		n = 32
	}
	if len(r.data) < n+2 {
		return sum, fmt.Errorf("short MD5 answer (%d bytes)", len(r.data))
	}
	if r.data[n] != 0 {
		return sum, &StatusError{Op: opSPIFlashMD5, Status: r.data[n], Code: r.data[n+1]}
	}
	if l.stub {
		copy(sum[:], r.data[:16])
		return sum, nil
	}
	if _, err := hex.Decode(sum[:], r.data[:32]); err != nil {
		return sum, fmt.Errorf("MD5 answer is not hex: %w", err)
	}
	return sum, nil
}

// SectorMD5s returns the MD5 of each size-byte chunk from addr, n of
// them. Requests are pipelined a window at a time.
func (l *Loader) SectorMD5s(ctx context.Context, addr, size uint32, n int) ([][16]byte, error) {
	if err := l.Attach(ctx); err != nil {
		return nil, err
	}
	const window = 16
	out := make([][16]byte, 0, n)
	l.c.flush()
	for i := 0; i < n; i += window {
		k := min(window, n-i)
		var batch []byte
		for j := 0; j < k; j++ {
			batch = AppendSLIP(batch, request(opSPIFlashMD5, le32(addr+uint32(i+j)*size, size, 0, 0), 0))
		}
		if err := l.c.write(ctx, batch); err != nil {
			return nil, err
		}
		for j := 0; j < k; j++ {
			s, err := l.readMD5(ctx, l.md5Timeout(size)+l.lineTime(len(batch)))
			if err != nil {
				return nil, fmt.Errorf("MD5 of 0x%X bytes at 0x%08X: %w", size, addr+uint32(i+j)*size, err)
			}
			out = append(out, s)
		}
	}
	return out, nil
}

// blockSize is the FLASH_DATA block size: 16 KiB for the stub, 1 KiB
// for the ROM (esptool's FLASH_WRITE_SIZE).
func (l *Loader) blockSize() int {
	if l.stub {
		return stubBlock
	}
	return romBlock
}

// WriteCompressed writes data at addr (sector aligned) as one zlib
// stream over FLASH_DEFL_BEGIN/DATA (esptool's compressed write).
// progress is called with the number of uncompressed bytes written so
// far. For the stub, FLASH_DEFL_END then waits for the last block to
// reach the flash; the ROM is not sent it (it would leave the loader).
func (l *Loader) WriteCompressed(ctx context.Context, addr uint32, data []byte, progress func(done int)) error {
	if err := l.Attach(ctx); err != nil {
		return err
	}
	var zb bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&zb, zlib.BestCompression)
	_, _ = zw.Write(data)
	_ = zw.Close()
	comp := zb.Bytes()
	bs := l.blockSize()
	blocks := (len(comp) + bs - 1) / bs
	size := uint32(len(data))
	if !l.stub {
		// The ROM erases what it is told: the size rounded up to blocks.
		size = uint32((len(data) + bs - 1) / bs * bs)
	}
	begin := le32(size, uint32(blocks), uint32(bs), addr)
	if !l.stub && l.chip.ROMEncryptedFlag {
		begin = append(begin, le32(0)...)
	}
	eraseTime := time.Duration(float64(writePerMB) * float64(len(data)) / (1 << 20))
	beginTimeout := defaultTimeout
	if !l.stub {
		beginTimeout += eraseTime
	}
	if _, err := l.c.command(ctx, opFlashDeflBegin, begin, 0, 0, beginTimeout); err != nil {
		return fmt.Errorf("FLASH_DEFL_BEGIN 0x%X bytes at 0x%08X: %w", len(data), addr, err)
	}
	// Map compressed bytes sent to uncompressed progress, as the
	// stream is inflated on the board.
	for i := 0; i < blocks; i++ {
		b := comp[i*bs : min(len(comp), (i+1)*bs)]
		pkt := make([]byte, 16+len(b))
		binary.LittleEndian.PutUint32(pkt[0:], uint32(len(b)))
		binary.LittleEndian.PutUint32(pkt[4:], uint32(i))
		copy(pkt[16:], b)
		timeout := defaultTimeout + 2*l.lineTime(len(pkt)) + time.Duration(float64(writePerMB)*float64(bs*4)/(1<<20))
		if _, err := l.c.command(ctx, opFlashDeflData, pkt, checksum(b), 0, timeout); err != nil {
			return fmt.Errorf("FLASH_DEFL_DATA block %d of %d at 0x%08X: %w", i+1, blocks, addr, err)
		}
		if progress != nil {
			progress(int(int64(len(data)) * int64(min(len(comp), (i+1)*bs)) / int64(len(comp))))
		}
	}
	if l.stub {
		if _, err := l.c.command(ctx, opFlashDeflEnd, le32(1), 0, 0, defaultTimeout+eraseTime); err != nil {
			return fmt.Errorf("FLASH_DEFL_END at 0x%08X: %w", addr, err)
		}
	}
	return nil
}

// Reboot leaves the loader and runs the application: FLASH_BEGIN of
// nothing then FLASH_END with 0 ("reboot"), for ports whose DTR/RTS
// cannot reset the board.
func (l *Loader) Reboot(ctx context.Context) error {
	begin := le32(0, 0, uint32(l.blockSize()), 0)
	if !l.stub && l.chip.ROMEncryptedFlag {
		begin = append(begin, le32(0)...)
	}
	if _, err := l.c.command(ctx, opFlashBegin, begin, 0, 0, defaultTimeout); err != nil {
		return err
	}
	_, err := l.c.command(ctx, opFlashEnd, le32(0), 0, 0, defaultTimeout)
	return err
}

package espsim

import (
	"compress/zlib"
	"context"
	"crypto/md5"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io"
)

const sectorSize = 0x1000

// erase sets whole sectors covering [off, off+size) to 0xFF.
func (s *Sim) erase(off, size uint32) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	start := off &^ (sectorSize - 1)
	end := uint64(off) + uint64(size)
	end = (end + sectorSize - 1) &^ (sectorSize - 1)
	if end > uint64(len(s.flash)) {
		return false
	}
	for i := uint64(start); i < end; i++ {
		s.flash[i] = 0xFF
	}
	return true
}

// program writes b at off the way NOR flash does: bits only go to 0.
func (s *Sim) program(off uint32, b []byte) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if uint64(off)+uint64(len(b)) > uint64(len(s.flash)) {
		return false
	}
	for i, c := range b {
		s.flash[int(off)+i] &= c
	}
	return true
}

// flashWriter programs consecutive bytes from an offset, refusing to
// go past a limit.
type flashWriter struct {
	s        *Sim
	off, end uint32
}

var errTooMuch = errors.New("too much data")

func (w *flashWriter) Write(b []byte) (int, error) {
	if uint64(w.off)+uint64(len(b)) > uint64(w.end) {
		return 0, errTooMuch
	}
	if !w.s.program(w.off, b) {
		return 0, errTooMuch
	}
	w.off += uint32(len(b))
	return len(b), nil
}

func (p *proto) abortFlash() {
	if fs := p.fl; fs != nil && fs.pw != nil && !fs.finished {
		fs.pw.CloseWithError(errors.New("aborted"))
		if fs.feed != nil {
			close(fs.feed)
			<-fs.fed
		}
		<-fs.done
	}
	p.fl = nil
}

// flashBegin starts a (compressed) write: erase size (stub: the
// uncompressed size; ROM: the size rounded to blocks), blocks, block
// size, offset, and for some ROMs an encryption flag.
func (p *proto) flashBegin(op byte, data []byte) error {
	if len(data) < 16 {
		return p.fail(op, errInvalidMsg)
	}
	p.abortFlash()
	size, blocks := binary.LittleEndian.Uint32(data), binary.LittleEndian.Uint32(data[4:])
	bs, off := binary.LittleEndian.Uint32(data[8:]), binary.LittleEndian.Uint32(data[12:])
	max := uint32(0x400)
	if p.isStub() {
		max = 0x4000
	}
	if bs == 0 || bs > max {
		return p.fail(op, errBadBlock)
	}
	p.abortFlash() // a write begun and never ended
	if !p.s.erase(off, size) {
		return p.fail(op, errFailed)
	}
	fs := &flashSession{compressed: op == opFlashDeflBegin, offset: off, size: size, blocks: blocks, blockSize: bs}
	if fs.compressed {
		pr, pw := io.Pipe()
		fs.pw, fs.done = pw, make(chan error, 1)
		end := off + size
		if p.isStub() {
			fs.feed, fs.fed = make(chan []byte, 1), make(chan error, 1)
			go func() {
				for b := range fs.feed {
					if _, err := pw.Write(b); err != nil {
						for range fs.feed {
						}
						fs.fed <- err
						return
					}
				}
				fs.fed <- nil
			}()
		}
		go func() {
			zr, err := zlib.NewReader(pr)
			if err == nil {
				_, err = io.Copy(&flashWriter{s: p.s, off: off, end: end}, zr)
			}
			pr.CloseWithError(err) // unblock a writer on failure
			fs.done <- err
		}()
	}
	p.fl = fs
	return p.ok(op, 0, nil)
}

// flashData takes one block: length, sequence, two zero words, data.
func (p *proto) flashData(op byte, data []byte, chk uint32) error {
	fs := p.fl
	if fs == nil || fs.compressed != (op == opFlashDeflData) || fs.finished {
		return p.fail(op, errNotFlash)
	}
	if len(data) < 16 {
		return p.fail(op, errInvalidMsg)
	}
	n, seq := binary.LittleEndian.Uint32(data), binary.LittleEndian.Uint32(data[4:])
	blk := data[16:]
	if int(n) != len(blk) || n > fs.blockSize {
		return p.fail(op, errBadLen)
	}
	if sum(blk) != chk {
		if p.isStub() {
			return p.fail(op, errBadSum)
		}
		return p.fail(op, errBadCRC)
	}
	if seq != fs.seq {
		return p.fail(op, errInvalidMsg)
	}
	fs.seq++
	if !fs.compressed {
		if !p.s.program(fs.offset+seq*fs.blockSize, blk) {
			return p.fail(op, errFailed)
		}
		return p.ok(op, 0, nil)
	}
	if fs.feed != nil { // the stub acknowledges a block on receipt and writes it while the next one arrives
		select {
		case err := <-fs.fed:
			fs.err = err
			return p.fail(op, errInflate)
		default:
		}
		fs.feed <- append([]byte(nil), blk...)
	} else if _, err := fs.pw.Write(blk); err != nil {
		fs.err = err
		return p.fail(op, errInflate)
	}
	if fs.seq == fs.blocks && fs.feed == nil {
		if err := p.finishDefl(); err != nil {
			return p.fail(op, errInflate)
		}
	}
	return p.ok(op, 0, nil)
}

// finishDefl ends the zlib stream and waits until it is in flash.
func (p *proto) finishDefl() error {
	fs := p.fl
	if fs.finished {
		return fs.err
	}
	fs.finished = true
	if fs.feed != nil {
		close(fs.feed)
		if err := <-fs.fed; err != nil {
			fs.err = err
		}
	}
	fs.pw.Close()
	if err := <-fs.done; err != nil && fs.err == nil {
		fs.err = err
	}
	return fs.err
}

// flashEnd: 0 reboots into the application. The ROM leaves the loader
// in any case (esptool does not send it to the ROM for that reason).
func (p *proto) flashEnd(op byte, flag uint32) error {
	if p.fl != nil && p.fl.compressed {
		if err := p.finishDefl(); err != nil {
			return p.fail(op, errInflate)
		}
	}
	p.fl = nil
	if err := p.ok(op, 0, nil); err != nil {
		return err
	}
	if flag == 0 || !p.isStub() {
		p.boot("reboot command")
	}
	return nil
}

func (p *proto) md5(op byte, addr, size uint32) error {
	if uint64(addr)+uint64(size) > uint64(len(p.s.flash)) {
		return p.fail(op, errFailed)
	}
	d := p.s.FlashMD5(int(addr), int(size))
	if p.isStub() {
		return p.ok(op, 0, d[:])
	}
	return p.ok(op, 0, []byte(hex.EncodeToString(d[:])))
}

// readFlash sends size bytes at addr in packets, keeping at most
// inflight packets unacknowledged, then their MD5 (stub protocol).
func (p *proto) readFlash(ctx context.Context, op byte, addr, size, packet, inflight uint32) error {
	if uint64(addr)+uint64(size) > uint64(len(p.s.flash)) || packet == 0 || packet > 0x4000 || inflight == 0 {
		return p.fail(op, errFailed)
	}
	if err := p.ok(op, 0, nil); err != nil {
		return err
	}
	data := p.s.Flash(int(addr), int(size))
	var sent, acked uint32
	for acked < size {
		for sent < size && sent-acked < inflight*packet {
			n := min(packet, size-sent)
			if err := p.sendRaw(data[sent : sent+n]); err != nil {
				return err
			}
			sent += n
		}
		f, err := p.nextFrame(ctx)
		if err != nil {
			return err
		}
		if len(f) == 4 {
			if a := binary.LittleEndian.Uint32(f); a > acked && a <= sent {
				acked = a
			}
		}
	}
	d := md5.Sum(data)
	return p.sendRaw(d[:])
}

package espsim

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/avmsh/avmsh/devices/espflash"
)

// Opcodes (Espressif serial-protocol.rst).
const (
	opFlashBegin      = 0x02
	opFlashData       = 0x03
	opFlashEnd        = 0x04
	opMemBegin        = 0x05
	opMemEnd          = 0x06
	opMemData         = 0x07
	opSync            = 0x08
	opWriteReg        = 0x09
	opReadReg         = 0x0A
	opSPISetParams    = 0x0B
	opSPIAttach       = 0x0D
	opChangeBaudrate  = 0x0F
	opFlashDeflBegin  = 0x10
	opFlashDeflData   = 0x11
	opFlashDeflEnd    = 0x12
	opSPIFlashMD5     = 0x13
	opGetSecurityInfo = 0x14
	opEraseFlash      = 0xD0
	opEraseRegion     = 0xD1
	opReadFlash       = 0xD2
	opRunUserCode     = 0xD3
)

// Error codes: ROM (serial-protocol.rst) and stub.
const (
	errInvalidMsg = 0x05
	errFailed     = 0x06
	errBadCRC     = 0x07
	errBadLen     = 0xC0
	errBadSum     = 0xC1
	errBadBlock   = 0xC2
	errNotFlash   = 0xC6
	errInflate    = 0xC7
)

// proto runs the loader protocol on one stream.
type proto struct {
	s      *Sim
	w      io.Writer
	in     <-chan []byte
	dec    *espflash.SLIPDecoder
	frames [][]byte
	mem    *memSession
	fl     *flashSession
}

type memSession struct{ size, blocks, blockSize, offset, seq, got uint32 }

type flashSession struct {
	compressed             bool
	offset, size           uint32
	blocks, blockSize, seq uint32
	pw                     *io.PipeWriter
	done                   chan error
	feed                   chan []byte // stub: blocks written in the background
	fed                    chan error  // the background writer's end
	finished               bool
	err                    error
}

// errModeChange interrupts a wait when the lines reset the chip.
var errModeChange = errors.New("mode change")

func (p *proto) mode() mode {
	p.s.mu.Lock()
	defer p.s.mu.Unlock()
	return p.s.mode
}

func (p *proto) run(ctx context.Context) error {
	defer p.abortFlash() // a write cut off by the host or the end of the test: its goroutines end
	for {
		if p.mode() == modeApp {
			if err := p.runApp(ctx); err != nil {
				return err
			}
			continue
		}
		f, err := p.nextFrame(ctx)
		if errors.Is(err, errModeChange) {
			p.reset()
			continue
		}
		if err != nil {
			return err
		}
		if err := p.handle(ctx, f); err != nil {
			return err
		}
	}
}

// reset forgets sessions after a chip reset.
func (p *proto) reset() {
	p.abortFlash()
	p.mem, p.frames = nil, nil
	p.dec = espflash.NewSLIPDecoder(64 << 10)
}

// nextFrame returns the next SLIP frame received, or errModeChange.
func (p *proto) nextFrame(ctx context.Context) ([]byte, error) {
	for len(p.frames) == 0 {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-p.s.wake:
			return nil, errModeChange
		case b, ok := <-p.in:
			if !ok {
				return nil, io.EOF
			}
			p.dec.Feed(b, func(f []byte) { p.frames = append(p.frames, append([]byte(nil), f...)) }, nil)
		}
	}
	f := p.frames[0]
	p.frames = p.frames[1:]
	return f, nil
}

// respond sends an answer: value, data, then the status bytes (two for
// the stub, four for the ROM).
func (p *proto) respond(op byte, value uint32, data []byte, status, code byte) error {
	p.s.mu.Lock()
	stub, n := p.s.mode == modeStub, p.s.counts[op]
	p.s.mu.Unlock()
	body := append([]byte(nil), data...)
	body = append(body, status, code)
	if !stub {
		body = append(body, 0, 0)
	}
	pkt := make([]byte, 8, 8+len(body))
	pkt[0], pkt[1] = 1, op
	binary.LittleEndian.PutUint16(pkt[2:], uint16(len(body)))
	binary.LittleEndian.PutUint32(pkt[4:], value)
	pkt = append(pkt, body...)
	frame := espflash.AppendSLIP(nil, pkt)
	if f := p.s.cfg.Faults.Response; f != nil {
		frame = f(op, n, frame)
	}
	if len(frame) == 0 {
		return nil
	}
	_, err := p.w.Write(frame)
	return err
}

func (p *proto) ok(op byte, value uint32, data []byte) error { return p.respond(op, value, data, 0, 0) }
func (p *proto) fail(op byte, code byte) error               { return p.respond(op, 0, nil, 1, code) }

// sendRaw sends a frame that is not a response (OHAI, READ_FLASH data).
func (p *proto) sendRaw(b []byte) error {
	_, err := p.w.Write(espflash.AppendSLIP(nil, b))
	return err
}

func (p *proto) isStub() bool { return p.mode() == modeStub }

func (p *proto) handle(ctx context.Context, f []byte) error {
	if len(f) < 8 || f[0] != 0 {
		return nil // not a request: the ROM ignores it
	}
	op := f[1]
	n := int(binary.LittleEndian.Uint16(f[2:]))
	chk := binary.LittleEndian.Uint32(f[4:])
	data := f[8:]
	p.s.mu.Lock()
	p.s.counts[op]++
	count := p.s.counts[op]
	vf := p.s.cfg.Faults
	p.s.mu.Unlock()
	if vf.VanishOp == op && vf.VanishAt == count {
		return errVanish
	}
	if n != len(data) {
		return p.fail(op, errInvalidMsg)
	}
	w := func(i int) uint32 {
		if 4*i+4 > len(data) {
			return 0
		}
		return binary.LittleEndian.Uint32(data[4*i:])
	}
	switch op {
	case opSync:
		if !bytes.Equal(data, append([]byte{7, 7, 0x12, 0x20}, bytes.Repeat([]byte{0x55}, 32)...)) {
			return p.fail(op, errInvalidMsg)
		}
		if p.isStub() {
			return p.ok(op, 0, nil)
		}
		for i := 0; i < 8; i++ {
			if err := p.ok(op, 0x20120707, nil); err != nil {
				return err
			}
		}
		return nil
	case opReadReg:
		if len(data) != 4 {
			return p.fail(op, errInvalidMsg)
		}
		return p.ok(op, p.s.readReg(w(0)), nil)
	case opWriteReg:
		if len(data) == 0 || len(data)%16 != 0 {
			return p.fail(op, errInvalidMsg)
		}
		for i := 0; i < len(data)/16; i++ {
			p.s.writeReg(w(4*i), w(4*i+1), w(4*i+2))
		}
		return p.ok(op, 0, nil)
	case opGetSecurityInfo:
		return p.securityInfo(op)
	case opSPIAttach, opSPISetParams:
		return p.ok(op, 0, nil)
	case opMemBegin:
		if len(data) != 16 {
			return p.fail(op, errInvalidMsg)
		}
		p.mem = &memSession{size: w(0), blocks: w(1), blockSize: w(2), offset: w(3)}
		return p.ok(op, 0, nil)
	case opMemData:
		return p.memData(op, data, chk)
	case opMemEnd:
		return p.memEnd(op, w(0), w(1))
	case opChangeBaudrate:
		if err := p.ok(op, 0, nil); err != nil {
			return err
		}
		p.s.mu.Lock()
		p.s.baud = int(w(0))
		p.s.event(fmt.Sprintf("baud %d", w(0)))
		p.s.mu.Unlock()
		return nil
	case opFlashBegin, opFlashDeflBegin:
		return p.flashBegin(op, data)
	case opFlashData, opFlashDeflData:
		return p.flashData(op, data, chk)
	case opFlashEnd, opFlashDeflEnd:
		return p.flashEnd(op, w(0))
	case opSPIFlashMD5:
		return p.md5(op, w(0), w(1))
	case opReadFlash:
		if !p.isStub() {
			return p.fail(op, errInvalidMsg)
		}
		return p.readFlash(ctx, op, w(0), w(1), w(2), w(3))
	case opEraseRegion, opEraseFlash:
		if !p.isStub() {
			return p.fail(op, errInvalidMsg)
		}
		off, size := w(0), w(1)
		if op == opEraseFlash {
			off, size = 0, uint32(len(p.s.flash))
		}
		if !p.s.erase(off, size) {
			return p.fail(op, errFailed)
		}
		return p.ok(op, 0, nil)
	case opRunUserCode:
		p.boot("run user code")
		return nil
	}
	if p.isStub() {
		return p.fail(op, 0xFF)
	}
	return p.fail(op, errInvalidMsg)
}

func (p *proto) securityInfo(op byte) error {
	c := p.s.chip
	switch c.ID {
	case 0: // ESP32's ROM has no such command
		return p.fail(op, errInvalidMsg)
	case 2: // ESP32-S2: flags, crypt count, key purposes; no chip id
		return p.ok(op, 0, make([]byte, 12))
	}
	b := make([]byte, 20)
	binary.LittleEndian.PutUint32(b[12:], uint32(c.ID))
	binary.LittleEndian.PutUint32(b[16:], 3)
	return p.ok(op, 0, b)
}

func (p *proto) memData(op byte, data []byte, chk uint32) error {
	if p.mem == nil || len(data) < 16 {
		return p.fail(op, errInvalidMsg)
	}
	n, seq := binary.LittleEndian.Uint32(data), binary.LittleEndian.Uint32(data[4:])
	blk := data[16:]
	if int(n) != len(blk) || n > p.mem.blockSize {
		return p.fail(op, errBadLen)
	}
	if sum(blk) != chk {
		return p.fail(op, errBadCRC)
	}
	if seq != p.mem.seq {
		return p.fail(op, errInvalidMsg)
	}
	p.mem.seq++
	p.mem.got += n
	return p.ok(op, 0, nil)
}

func (p *proto) memEnd(op byte, flag, entry uint32) error {
	if err := p.ok(op, 0, nil); err != nil {
		return err
	}
	if flag != 0 || entry == 0 || p.isStub() {
		return nil
	}
	// The uploaded code is not run: answer as Espressif's stub does.
	p.s.mu.Lock()
	p.s.mode = modeStub
	p.s.event("stub running")
	p.s.mu.Unlock()
	return p.sendRaw([]byte("OHAI"))
}

func sum(b []byte) uint32 {
	s := uint32(0xEF)
	for _, c := range b {
		s ^= uint32(c)
	}
	return s
}

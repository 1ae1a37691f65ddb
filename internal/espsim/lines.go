package espsim

import (
	"bytes"
	"context"
	"io"
	"time"

	"github.com/avmsh/avmsh/devices/espflash"
)

// Circuit is how a board wires DTR/RTS to the chip.
type Circuit int

// Circuits.
const (
	// Classic: two transistors; EN is low while RTS is asserted and DTR
	// is not, IO0 is low while DTR is asserted and RTS is not.
	Classic Circuit = iota
	// USBJTAG: Espressif's USB-Serial/JTAG controller; the chip is held
	// in reset while RTS is asserted and DTR is not, and boots into the
	// loader if DTR was asserted when that reset began.
	USBJTAG
)

// bootSample is how long after EN rises the chip reads IO0 (the RC
// delay on EN that esptool's sequences rely on).
const bootSample = 20 * time.Millisecond

type lineState struct {
	circuit  Circuit
	dtr, rts bool
	inReset  bool
	bootIO0  bool // USB-JTAG: download latched at reset
	changes  []string
	timer    *time.Timer
}

// SetCircuit chooses the reset circuit (default Classic).
func (s *Sim) SetCircuit(c Circuit) {
	s.mu.Lock()
	s.lines.circuit = c
	s.mu.Unlock()
}

// Lines returns the DTR/RTS changes seen ("DTR=1", "RTS=0"), in order.
func (s *Sim) Lines() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.lines.changes...)
}

// SetDTR and SetRTS are the modem lines as the host drives them.
func (s *Sim) SetDTR(on bool) error { s.setLines(&on, nil); return nil }

// SetRTS sets RTS.
func (s *Sim) SetRTS(on bool) error { s.setLines(nil, &on); return nil }

// SetLines sets both lines at once (TIOCMSET).
func (s *Sim) SetLines(dtr, rts bool) error { s.setLines(&dtr, &rts); return nil }

func (s *Sim) setLines(dtr, rts *bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := &s.lines
	prevDTR := l.dtr
	if dtr != nil {
		l.dtr = *dtr
		l.changes = append(l.changes, "DTR="+b01(*dtr))
	}
	if rts != nil {
		l.rts = *rts
		l.changes = append(l.changes, "RTS="+b01(*rts))
	}
	reset := l.rts && !l.dtr
	switch {
	case reset && !l.inReset:
		l.inReset = true
		l.bootIO0 = prevDTR // USB-JTAG: reset entered from (1,1) latches download
		if l.timer != nil {
			l.timer.Stop()
		}
		s.mode = modeApp
		s.event("reset")
		select {
		case s.wake <- struct{}{}:
		default:
		}
	case !reset && l.inReset:
		l.inReset = false
		latched := l.bootIO0
		l.timer = time.AfterFunc(bootSample, func() { s.sampleBoot(latched) })
	}
}

// sampleBoot decides what the chip boots after EN rose.
func (s *Sim) sampleBoot(latched bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := &s.lines
	if l.inReset {
		return
	}
	download := l.dtr && !l.rts // IO0 low
	if l.circuit == USBJTAG {
		download = latched
	}
	if download {
		s.setMode(modeROM, "reset into loader")
	} else {
		s.setMode(modeApp, "boot app")
	}
}

func b01(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// boot leaves the loader for the application (reboot command).
func (p *proto) boot(why string) {
	p.s.mu.Lock()
	p.s.setMode(modeApp, why)
	p.s.mu.Unlock()
}

// Boots counts application starts.
func (s *Sim) Boots() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.boots
}

// runApp runs the application until the lines reset the chip: a boot
// log, then Config.App if set; input is otherwise ignored.
func (p *proto) runApp(ctx context.Context) error {
	// Drop the wake-up that brought us here, if any.
	select {
	case <-p.s.wake:
	default:
	}
	p.reset()
	p.s.mu.Lock()
	booted := p.s.boots > 0
	p.s.mu.Unlock()
	if booted {
		if _, err := p.w.Write(p.bootLog()); err != nil {
			return err
		}
	}
	actx, cancel := context.WithCancel(ctx)
	defer cancel()
	changed := make(chan struct{})
	go func() {
		defer close(changed)
		select {
		case <-p.s.wake:
			cancel()
		case <-actx.Done():
		}
	}()
	if app := p.s.cfg.App; app != nil && booted {
		app(actx, &appStream{ctx: actx, in: p.in, w: p.w})
	}
	for actx.Err() == nil { // ignore input until reset
		select {
		case _, ok := <-p.in:
			if !ok {
				cancel()
				<-changed
				return io.EOF
			}
		case <-actx.Done():
		}
	}
	<-changed
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if p.mode() != modeApp {
		_, err := p.w.Write([]byte("rst:0x1 (POWERON_RESET),boot:0x3 (DOWNLOAD_BOOT(UART0/UART1/SDIO_REI_REO_V2))\r\nwaiting for download\r\n"))
		return err
	}
	return nil
}

// bootLog is what ESP-IDF's bootloader and AtomVM print at start.
func (p *proto) bootLog() []byte {
	var b bytes.Buffer
	b.WriteString("ets Jun  8 2016 00:22:57\r\n\r\nrst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\r\n")
	b.WriteString("I (29) boot: ESP-IDF 2nd stage bootloader (espsim " + p.s.chip.Name + ")\r\n")
	head := p.s.Flash(0x250000, len(espflash.AVMHeader))
	if bytes.Equal(head, espflash.AVMHeader) {
		b.WriteString("I (412) AtomVM: Starting main.avm...\r\n")
	}
	return b.Bytes()
}

// appStream is the serial line as the application sees it.
type appStream struct {
	ctx  context.Context
	in   <-chan []byte
	w    io.Writer
	rest []byte
}

func (a *appStream) Read(b []byte) (int, error) {
	for len(a.rest) == 0 {
		select {
		case <-a.ctx.Done():
			return 0, io.EOF
		case c, ok := <-a.in:
			if !ok {
				return 0, io.EOF
			}
			a.rest = c
		}
	}
	n := copy(b, a.rest)
	a.rest = a.rest[n:]
	return n, nil
}

func (a *appStream) Write(b []byte) (int, error) {
	if a.ctx.Err() != nil {
		return 0, io.ErrClosedPipe
	}
	return a.w.Write(b)
}

// PressReset is a person pressing EN: with boot held (IO0 low) the chip
// starts its ROM loader, otherwise its application. It is how a board
// behind a pty (no modem lines) changes mode.
func (s *Sim) PressReset(boot bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if boot {
		s.setMode(modeROM, "reset into loader (BOOT held)")
	} else {
		s.setMode(modeApp, "boot app")
	}
}

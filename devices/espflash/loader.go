package espflash

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/avmsh/avmsh/devices"
)

// Before says how to get the board into its ROM loader (esptool's
// --before).
type Before string

// Before values.
const (
	// DefaultReset pulses DTR/RTS (esptool's default_reset).
	DefaultReset Before = "default-reset"
	// NoReset expects the board to be in its ROM loader already (held
	// BOOT, pressed EN), or talks to a port without modem lines.
	NoReset Before = "no-reset"
)

// ConnectOptions configure Connect.
type ConnectOptions struct {
	// Port names the port in errors and messages.
	Port string
	// Before: DefaultReset (zero value) or NoReset.
	Before Before
	// Reset is the board's reset circuit (devices.ResetStyleFor); zero
	// means classic.
	Reset devices.ResetStyle
	// Attempts is the number of reset-and-sync rounds (0: 7, esptool's).
	Attempts int
	// Baud is the line speed of the link as opened (0: 115200).
	Baud int
	// NoStub keeps talking to the ROM (no READ_FLASH, so no partition
	// table, and 1 KiB blocks).
	NoStub bool
	// Log receives progress lines ("Detected ESP32-S3 ...").
	Log func(string)
}

// Info is what Connect learned about the board.
type Info struct {
	Chip      string `json:"chip"`
	ChipID    uint16 `json:"chip_id"`
	MAC       string `json:"mac,omitempty"`
	FlashSize int    `json:"flash_size,omitempty"` // bytes, 0 if unknown
	FlashID   uint32 `json:"flash_id,omitempty"`
	Stub      bool   `json:"stub"`
	// Reset is the reset sequence that got the board into its loader,
	// or "none".
	Reset string `json:"reset"`
}

// Loader is a connection to a board's ROM loader (and, once uploaded,
// its flasher stub).
type Loader struct {
	c     *conn
	link  Link
	port  string
	chip  Chip
	stub  bool
	baud  int
	baud0 int // the speed the link was opened at (the board's console)
	info  Info
	log   func(string)
	style devices.ResetStyle
	// attached: SPI_ATTACH and SPI_SET_PARAMS were sent.
	attached bool
}

// Timeouts of esptool (loader.py): a plain command, SYNC, and the
// per-megabyte allowance of MD5 and erase+write.
const (
	defaultTimeout = 3 * time.Second
	syncTimeout    = 100 * time.Millisecond
	md5PerMB       = 8 * time.Second
	writePerMB     = 40 * time.Second
	ramBlock       = 0x1800
	romBlock       = 0x400
	stubBlock      = 0x4000
	sectorSize     = 0x1000
)

// Connect resets the board into its ROM loader (unless opts.Before is
// NoReset), syncs, detects the chip, reads its MAC, uploads the flasher
// stub and reads the flash size. The Loader owns link from then on.
func Connect(ctx context.Context, link Link, opts ConnectOptions) (*Loader, error) {
	if opts.Attempts <= 0 {
		opts.Attempts = 7
	}
	if opts.Baud <= 0 {
		opts.Baud = 115200
	}
	if opts.Reset == "" {
		opts.Reset = devices.ResetClassic
	}
	if opts.Log == nil {
		opts.Log = func(string) {}
	}
	l := &Loader{c: newConn(link), link: link, port: opts.Port, baud: opts.Baud, baud0: opts.Baud, log: opts.Log, style: opts.Reset}
	fail := func(step string, err error, advice Advice, hint string) (*Loader, error) {
		e := l.wrap(step, err)
		if hint != "" {
			e.Hint, e.Advice = hint, advice
		}
		l.c.close()
		return nil, e
	}
	synced, stubRunning, resetErr := l.sync(ctx, opts)
	if !synced {
		if ctx.Err() != nil {
			return fail("sync", ctx.Err(), "", "")
		}
		err := fmt.Errorf("%w after %d attempts", ErrNoSync, opts.Attempts)
		if resetErr != nil {
			err = fmt.Errorf("%w; the reset failed: %v", err, resetErr)
		}
		return fail("sync", err, AdviceManualBoot, "put the board into its ROM loader by hand (hold the BOOT (IO0) button, press and release EN (RST), release BOOT) and flash again without a reset; check the cable")
	}
	if err := l.detect(ctx); err != nil {
		return fail("detect chip", err, "", "")
	}
	if stubRunning {
		l.stub = true
		l.log("Flasher stub already running")
	} else if !opts.NoStub {
		if err := l.uploadStub(ctx); err != nil {
			return fail("upload flasher stub", err, AdviceNoStub, "reset the board and try again, or flash through the ROM loader alone, without the stub (slower)")
		}
	}
	l.info.Stub = l.stub
	return l, nil
}

// wrap makes an Error for a step, with what the board printed.
func (l *Loader) wrap(step string, err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Port: l.port, Step: step, Err: err, Console: l.c.consoleTail()}
}

// Info is what Connect learned about the board.
func (l *Loader) Info() Info { return l.info }

// Chip is the detected chip.
func (l *Loader) Chip() Chip { return l.chip }

// Close closes the link (without resetting the board).
func (l *Loader) Close() error { return l.c.close() }

// sync runs reset-and-sync rounds. It reports whether the loader
// answered and whether the answer came from a stub (SYNC value 0).
func (l *Loader) sync(ctx context.Context, opts ConnectOptions) (bool, bool, error) {
	var resetErr error
	for attempt := 0; attempt < opts.Attempts; attempt++ {
		if opts.Before != NoReset {
			name, err := devices.BootloaderAttempt(ctx, l.link, opts.Reset, attempt)
			switch {
			case err == nil:
				l.info.Reset = name
			case ctx.Err() != nil:
				return false, false, err
			default:
				// A port without modem lines (a pty) or a board whose
				// lines reset nothing: the board may already be in
				// its loader, so sync anyway.
				resetErr = err
				l.info.Reset = "none"
			}
		} else {
			l.info.Reset = "none"
		}
		for try := 0; try < 5; try++ {
			if ctx.Err() != nil {
				return false, false, resetErr
			}
			l.c.flush()
			v, err := l.syncOnce(ctx)
			if err == nil {
				if resetErr != nil {
					l.log(fmt.Sprintf("DTR/RTS could not be set (%v); the board was in its loader already", resetErr))
				}
				return true, v == 0, nil
			}
			if !IsTimeout(err) && !isStatus(err) {
				if errors.Is(err, ErrLinkClosed) || l.c.readErr() != nil {
					return false, false, err
				}
			}
		}
		if opts.Before == NoReset && attempt >= 1 {
			break // nothing changes between rounds without a reset
		}
	}
	return false, false, resetErr
}

func isStatus(err error) bool {
	var se *StatusError
	return errors.As(err, &se)
}

// syncOnce sends SYNC and collects the ROM's extra answers. It returns
// the first answer's value (0 from a stub).
func (l *Loader) syncOnce(ctx context.Context) (uint32, error) {
	payload := append([]byte{0x07, 0x07, 0x12, 0x20}, bytes.Repeat([]byte{0x55}, 32)...)
	r, err := l.c.command(ctx, opSync, payload, 0, 0, syncTimeout)
	if err != nil {
		return 0, err
	}
	for i := 0; i < 7; i++ { // the ROM answers SYNC about eight times
		if _, err := l.c.readResponse(ctx, opSync, syncTimeout); err != nil {
			break
		}
	}
	return r.value, nil
}

// ReadReg reads a 32-bit register.
func (l *Loader) ReadReg(ctx context.Context, addr uint32) (uint32, error) {
	r, err := l.c.command(ctx, opReadReg, le32(addr), 0, 0, defaultTimeout)
	return r.value, err
}

// WriteReg writes a 32-bit register.
func (l *Loader) WriteReg(ctx context.Context, addr, v uint32) error {
	_, err := l.c.command(ctx, opWriteReg, le32(addr, v, 0xFFFFFFFF, 0), 0, 0, defaultTimeout)
	return err
}

// detect identifies the chip: GET_SECURITY_INFO's chip id, or the magic
// register on ESP32 and ESP32-S2 (which have no chip id there).
func (l *Loader) detect(ctx context.Context) error {
	l.c.flush()
	if err := l.c.sendFrame(ctx, request(opGetSecurityInfo, nil, 0)); err != nil {
		return err
	}
	r, err := l.c.readResponse(ctx, opGetSecurityInfo, defaultTimeout)
	if err != nil && !IsTimeout(err) {
		return err
	}
	found := false
	if err == nil && len(r.data) >= 22 && r.data[20] == 0 {
		id := binary.LittleEndian.Uint32(r.data[12:])
		c, ok := ChipByID(uint16(id))
		if !ok || id > 0xFFFF {
			return fmt.Errorf("unknown chip id %d (GET_SECURITY_INFO); avmsh knows %v", id, ChipNames())
		}
		l.chip, found = c, true
	}
	if !found {
		v, err := l.ReadReg(ctx, magicReg)
		if err != nil {
			return fmt.Errorf("read chip magic register: %w", err)
		}
		c, ok := ChipByMagic(v)
		if !ok {
			if v == 0xFFF0C101 {
				return errors.New("this is an ESP8266, which AtomVM does not run on")
			}
			return fmt.Errorf("unknown chip (magic 0x%08X); avmsh knows %v", v, ChipNames())
		}
		l.chip = c
	}
	l.info.Chip, l.info.ChipID = l.chip.Name, l.chip.ID
	if l.chip.MACReg != 0 {
		w0, err0 := l.ReadReg(ctx, l.chip.MACReg)
		w1, err1 := l.ReadReg(ctx, l.chip.MACReg+4)
		if err0 == nil && err1 == nil {
			m := []byte{byte(w1 >> 8), byte(w1), byte(w0 >> 24), byte(w0 >> 16), byte(w0 >> 8), byte(w0)}
			l.info.MAC = fmt.Sprintf("%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5])
		}
	}
	l.log(fmt.Sprintf("Chip is %s, MAC %s", l.chip.Name, l.info.MAC))
	return nil
}

// uploadStub loads Espressif's flasher stub into RAM and starts it; it
// answers "OHAI" once running (esptool loader.py run_stub).
func (l *Loader) uploadStub(ctx context.Context) error {
	s, err := loadStub(l.chip)
	if err != nil {
		l.log(fmt.Sprintf("%v; using the ROM loader", err))
		return nil
	}
	for _, seg := range []struct {
		data []byte
		addr uint32
	}{{s.Text, s.TextStart}, {s.Data, s.DataStart}} {
		if len(seg.data) == 0 {
			continue
		}
		blocks := (len(seg.data) + ramBlock - 1) / ramBlock
		if _, err := l.c.command(ctx, opMemBegin, le32(uint32(len(seg.data)), uint32(blocks), ramBlock, seg.addr), 0, 0, defaultTimeout); err != nil {
			return fmt.Errorf("MEM_BEGIN at 0x%08X: %w", seg.addr, err)
		}
		for i := 0; i < blocks; i++ {
			b := seg.data[i*ramBlock : min(len(seg.data), (i+1)*ramBlock)]
			pkt := append(le32(uint32(len(b)), uint32(i), 0, 0), b...)
			if _, err := l.c.command(ctx, opMemData, pkt, checksum(b), 0, defaultTimeout+l.lineTime(len(pkt))); err != nil {
				return fmt.Errorf("MEM_DATA block %d of %d at 0x%08X: %w", i+1, blocks, seg.addr, err)
			}
		}
	}
	if _, err := l.c.command(ctx, opMemEnd, le32(0, s.Entry), 0, 0, defaultTimeout); err != nil {
		return fmt.Errorf("MEM_END: %w", err)
	}
	deadline := time.Now().Add(defaultTimeout)
	for {
		f, err := l.c.nextFrame(ctx, time.Until(deadline))
		if err != nil {
			return fmt.Errorf("the stub did not say OHAI: %w", err)
		}
		if string(f) == "OHAI" {
			break
		}
	}
	l.stub = true
	l.log("Flasher stub running")
	return nil
}

// lineTime is how long n bytes take on the line at the current speed,
// with SLIP escapes and some slack.
func (l *Loader) lineTime(n int) time.Duration {
	return time.Duration(float64(n) * 12 / float64(l.baud) * float64(time.Second))
}

// ChangeBaud switches the board and the link to baud (CHANGE_BAUDRATE:
// new, then old for the stub or 0 for the ROM) and checks that the
// board still answers.
func (l *Loader) ChangeBaud(ctx context.Context, baud int) error {
	if baud <= 0 || baud == l.baud {
		return nil
	}
	old := uint32(0)
	if l.stub {
		old = uint32(l.baud)
	}
	if _, err := l.c.command(ctx, opChangeBaudrate, le32(uint32(baud), old), 0, 0, defaultTimeout); err != nil {
		return l.wrap("change baud", err)
	}
	if err := sleep(ctx, 50*time.Millisecond); err != nil {
		return err
	}
	if err := l.link.SetBaud(baud); err != nil {
		return l.wrap("change baud", fmt.Errorf("set the port to %d baud: %w", baud, err))
	}
	l.baud = baud
	if err := sleep(ctx, 50*time.Millisecond); err != nil {
		return err
	}
	l.c.flush()
	if _, err := l.ReadReg(ctx, magicReg); err != nil {
		e := l.wrap("change baud", fmt.Errorf("the board stopped answering at %d baud: %w", baud, err))
		e.Hint, e.Advice = "try a lower flash speed (115200 always works)", AdviceLowerBaud
		return e
	}
	l.log(fmt.Sprintf("Changed to %d baud", baud))
	return nil
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Baud is the current line speed.
func (l *Loader) Baud() int { return l.baud }

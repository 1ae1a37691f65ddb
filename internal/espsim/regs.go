package espsim

// initRegs sets the registers a flasher reads: the magic register, the
// MAC eFuse words, and a UART clock divider for a 40 MHz crystal.
func (s *Sim) initRegs() {
	c := s.chip
	if c.Magic != 0 {
		s.regs[0x40001000] = c.Magic
	} else {
		s.regs[0x40001000] = 0xCAFE0000 | uint32(c.ID) // matches no magic
	}
	m := s.cfg.MAC
	s.regs[c.MACReg] = uint32(m[2])<<24 | uint32(m[3])<<16 | uint32(m[4])<<8 | uint32(m[5])
	s.regs[c.MACReg+4] = uint32(m[0])<<8 | uint32(m[1])
	s.regs[0x3FF40014] = 694 // ESP32 UART_CLKDIV at 115200, 80 MHz APB
	s.regs[0x60000014] = 694
}

func (s *Sim) readReg(a uint32) uint32 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.regs[a]
}

// writeReg stores a masked value; writing the SPI1 command register's
// USR bit runs the user command set up in USR2 (only RDID, 0x9F, reads
// anything: the flash's JEDEC id), then clears the bit as the hardware
// does (esptool's run_spiflash_command polls for that).
func (s *Sim) writeReg(a, v, mask uint32) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.regs[a] = s.regs[a]&^mask | v&mask
	c := s.chip
	const cmdUSR = 1 << 18
	if a != c.SPIBase || s.regs[a]&cmdUSR == 0 {
		return
	}
	w0 := uint32(0)
	if s.regs[c.SPIBase+c.SPIUSR2]&0xFF == 0x9F {
		capacity := uint32(0)
		for n := len(s.flash); n > 1; n >>= 1 {
			capacity++
		}
		w0 = 0xEF | 0x40<<8 | capacity<<16 // Winbond W25Q, 2^capacity bytes
	}
	s.regs[c.SPIBase+c.SPIW0] = w0
	s.regs[a] &^= cmdUSR
}

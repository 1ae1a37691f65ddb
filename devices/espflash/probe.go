package espflash

import (
	"context"

	"github.com/avmsh/avmsh/devices"
	"github.com/avmsh/avmsh/node/serialdist"
)

// OpenSerial opens a serial device for the ROM loader: exclusively (the
// lock of serialdist.Open, with its errors naming who holds the port),
// raw, at baud.
func OpenSerial(device string, baud int) (Link, error) {
	p, err := serialdist.OpenRaw(serialdist.Address{Device: device, Options: serialdist.Options{Baud: baud}})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// ProbeChip asks the ROM loader of the board on device what it is: it
// resets the board into the loader (this interrupts whatever it runs),
// reads the chip, MAC and flash size without uploading the stub, and
// resets it back into its application. Errors are reported in the
// result.
func ProbeChip(ctx context.Context, device string, style devices.ResetStyle) devices.ChipInfo {
	p, err := OpenSerial(device, serialdist.DefaultBaud)
	if err != nil {
		return devices.ChipInfo{Error: err.Error()}
	}
	return ProbeLink(ctx, p, device, style)
}

// ProbeLink is ProbeChip on an open link (which it closes).
func ProbeLink(ctx context.Context, link Link, name string, style devices.ResetStyle) devices.ChipInfo {
	l, err := Connect(ctx, link, ConnectOptions{Port: name, Reset: style, NoStub: true, Attempts: 4})
	if err != nil {
		return devices.ChipInfo{Error: err.Error()}
	}
	defer l.Close()
	info := devices.ChipInfo{Name: l.info.Chip, MAC: l.info.MAC}
	if err := l.Attach(ctx); err == nil {
		info.FlashSize = l.info.FlashSize
	}
	if err := devices.HardReset(ctx, link, style); err != nil {
		// No modem lines: leave the loader by its own command.
		_ = l.Reboot(ctx)
	}
	return info
}

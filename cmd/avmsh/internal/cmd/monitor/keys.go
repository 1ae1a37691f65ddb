package monitorcmd

// Keys of the monitor, as idf.py monitor and miniterm use them.
const (
	keyExit = 0x1d // Ctrl-]
	keyMenu = 0x14 // Ctrl-T
)

// action is what a key press asks the monitor to do.
type action int

const (
	actQuit action = iota + 1
	actReset
	actBootloader
	actHelp
	actTimestamps
)

// keyMachine turns keyboard bytes into bytes for the board and actions:
// Ctrl-] quits; Ctrl-T starts a menu key (R reset, P bootloader, T and ]
// send the literal key, X quits, H help, S timestamps); Enter is sent as
// the chosen end of line.
type keyMachine struct {
	menu bool
	eol  string // sent for Enter (CR)
}

func (k *keyMachine) feed(in []byte) (out []byte, acts []action) {
	for _, c := range in {
		if k.menu {
			k.menu = false
			switch c {
			case 'r', 'R', 0x12:
				acts = append(acts, actReset)
			case 'p', 'P', 0x10:
				acts = append(acts, actBootloader)
			case 'x', 'X', 'q', 'Q', 0x18:
				acts = append(acts, actQuit)
			case 'h', 'H', '?', 0x08:
				acts = append(acts, actHelp)
			case 's', 'S', 0x13:
				acts = append(acts, actTimestamps)
			case keyMenu, 't', 'T':
				out = append(out, keyMenu)
			case keyExit, ']':
				out = append(out, keyExit)
			}
			continue
		}
		switch c {
		case keyExit:
			acts = append(acts, actQuit)
			return out, acts
		case keyMenu:
			k.menu = true
		case '\r':
			out = append(out, k.eol...)
		default:
			out = append(out, c)
		}
	}
	return out, acts
}

const helpText = `--- avmsh monitor keys:
---   Ctrl-]          quit
---   Ctrl-T R        reset the board (DTR/RTS)
---   Ctrl-T P        reset the board into its ROM bootloader
---   Ctrl-T S        timestamps on/off
---   Ctrl-T T        send Ctrl-T;  Ctrl-T ]  send Ctrl-]
---   Ctrl-T X        quit;  Ctrl-T H  this help`

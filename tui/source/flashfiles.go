package source

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/avmsh/avmsh/devices/espflash"
	"github.com/avmsh/avmsh/internal/statefile"
)

// The file last flashed onto each board from the dashboard is
// remembered across sessions in flash-files.json, beside the fleet
// store's fleet.json ($XDG_STATE_HOME/avmsh): the fleet store records
// what was flashed (a file's base name, its size and MD5) but not where
// the file is on this machine, which is what the flash prompt starts
// from. Boards are keyed as the fleet store keys them
// (fleet.BoardID.Key: the USB serial number, else the port).
//
// With the file go the ESP options last chosen for the board: --before,
// --after and --baud, which belong to the board and its adapter (a port
// that refuses DTR/RTS stays so). --erase-nvs and --erase-app are never
// remembered: they destroy data, and are chosen again for each image.

// FlashFilesName is the file's name in the state directory.
const FlashFilesName = "flash-files.json"

const (
	maxFlashFilesSize  = 1 << 20 // bytes read
	maxFlashFilesBoard = 200     // boards kept (the oldest go)
)

type flashFilesDoc struct {
	Version int                       `json:"version"`
	Boards  map[string]flashFileEntry `json:"boards"`
}

type flashFileEntry struct {
	File    string         `json:"file"`
	At      time.Time      `json:"at"`
	Options *flashOptsJSON `json:"options,omitempty"`
}

// flashOptsJSON are the remembered options (absent in files written
// before they were).
type flashOptsJSON struct {
	Before string `json:"before"`
	After  string `json:"after"`
	Baud   int    `json:"baud"`
}

// rememberable is what of s is remembered.
func rememberable(s espflash.Settings) *flashOptsJSON {
	return &flashOptsJSON{Before: string(s.Before), After: string(s.After), Baud: s.Baud}
}

// settings are the remembered options over avmsh flash's defaults; a
// value that does not parse (a file edited by hand) is the default's.
func (o *flashOptsJSON) settings() espflash.Settings {
	s := espflash.DefaultSettings()
	if o == nil {
		return s
	}
	if b, err := espflash.ParseBefore(o.Before); err == nil {
		s.Before = b
	}
	if a, err := espflash.ParseAfter(o.After); err == nil {
		s.After = a
	}
	if o.Baud > 0 && o.Baud <= maxRememberedBaud {
		s.Baud = o.Baud
	}
	return s
}

// maxRememberedBaud bounds a remembered speed (the fastest USB-UART
// bridges of ESP boards run at 3 Mbaud).
const maxRememberedBaud = 5_000_000

// lastFiles is that file. Reads and writes are serialised in this
// process; between processes the last writer wins (it is a convenience:
// the prompt's starting text).
type lastFiles struct {
	mu  sync.Mutex
	dir string // "" when no state directory could be found
	now func() time.Time
}

func newLastFiles() *lastFiles {
	dir, _ := statefile.Dir(os.Getenv, os.UserHomeDir)
	return &lastFiles{dir: dir, now: time.Now}
}

func (l *lastFiles) path() string { return filepath.Join(l.dir, FlashFilesName) }

// get is the file remembered for board key ("" when none).
func (l *lastFiles) get(key string) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	doc, _ := l.read()
	return doc.Boards[key].File
}

// settings are the options remembered for board key, over the defaults.
func (l *lastFiles) settings(key string) espflash.Settings {
	l.mu.Lock()
	defer l.mu.Unlock()
	doc, _ := l.read()
	return doc.Boards[key].Options.settings()
}

// set remembers file, and the options of an ESP flash (nil for a Pico),
// for board key. A file that cannot be read as it is (corrupt) is kept
// as flash-files.json.bad (statefile.SetAside: .bad.N when that exists)
// and a new one started.
func (l *lastFiles) set(key, file string, opts *espflash.Settings) error {
	if l.dir == "" {
		return errors.New("no state directory (set XDG_STATE_HOME or HOME)")
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	doc, err := l.read()
	if err != nil {
		_, _ = statefile.SetAside(l.path())
	}
	e := flashFileEntry{File: file, At: l.now(), Options: doc.Boards[key].Options}
	if opts != nil {
		e.Options = rememberable(*opts)
	}
	doc.Boards[key] = e
	if len(doc.Boards) > maxFlashFilesBoard {
		keys := make([]string, 0, len(doc.Boards))
		for k := range doc.Boards {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool { return doc.Boards[keys[i]].At.Before(doc.Boards[keys[j]].At) })
		for _, k := range keys[:len(keys)-maxFlashFilesBoard] {
			delete(doc.Boards, k)
		}
	}
	return l.write(doc)
}

// read loads the file: a missing one is empty, an unreadable one is
// empty with an error.
func (l *lastFiles) read() (flashFilesDoc, error) {
	doc := flashFilesDoc{Version: 1, Boards: map[string]flashFileEntry{}}
	if l.dir == "" {
		return doc, nil
	}
	data, err := statefile.Read(l.path(), maxFlashFilesSize)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return doc, nil
	case errors.Is(err, statefile.ErrTooLarge):
		return doc, fmt.Errorf("%s: larger than %d KiB", l.path(), maxFlashFilesSize>>10)
	case err != nil:
		return doc, err
	}
	var got flashFilesDoc
	if err := json.Unmarshal(data, &got); err != nil || got.Version != 1 {
		return doc, fmt.Errorf("%s: not a version 1 file: %v", l.path(), err)
	}
	for k, v := range got.Boards {
		if k != "" && v.File != "" {
			doc.Boards[k] = v
		}
	}
	return doc, nil
}

// write replaces the file atomically (statefile.Write).
func (l *lastFiles) write(doc flashFilesDoc) error {
	if err := os.MkdirAll(l.dir, 0o755); err != nil {
		return err
	}
	data, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return err
	}
	if err := statefile.Write(l.path(), append(data, '\n')); err != nil {
		return fmt.Errorf("remember the flashed file in %s: %w", l.path(), err)
	}
	return nil
}

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

	"github.com/avmsh/avmsh/internal/statefile"
)

// The file last flashed onto each board from the dashboard is
// remembered across sessions in flash-files.json, beside the fleet
// store's fleet.json ($XDG_STATE_HOME/avmsh): the fleet store records
// what was flashed (a file's base name, its size and MD5) but not where
// the file is on this machine, which is what the flash prompt starts
// from. Boards are keyed as the fleet store keys them
// (fleet.BoardID.Key: the USB serial number, else the port).

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
	File string    `json:"file"`
	At   time.Time `json:"at"`
}

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

// set remembers file for board key. A file that cannot be read as it is
// (corrupt) is kept as flash-files.json.bad (statefile.SetAside: .bad.N
// when that exists) and a new one started.
func (l *lastFiles) set(key, file string) error {
	if l.dir == "" {
		return errors.New("no state directory (set XDG_STATE_HOME or HOME)")
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	doc, err := l.read()
	if err != nil {
		_, _ = statefile.SetAside(l.path())
	}
	doc.Boards[key] = flashFileEntry{File: file, At: l.now()}
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

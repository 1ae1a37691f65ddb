package fleet

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/avmsh/avmsh/internal/statefile"
)

// maxFile bounds the state file read (a fleet of thousands of boards is
// well under it).
const maxFile = 16 << 20

// Store is the fleet state in a directory.
type Store struct {
	dir string
	// Now replaces time.Now (tests).
	Now func() time.Time
}

// Open returns the store in dir (created on the first write).
func Open(dir string) *Store { return &Store{dir: dir, Now: time.Now} }

// Path is the state file.
func (s *Store) Path() string { return filepath.Join(s.dir, FileName) }

// Boards reads the fleet, sorted by key, with VersionDiffers marked. A
// missing file is an empty fleet; an unreadable one a *FileError.
func (s *Store) Boards() ([]Board, error) {
	st, err := s.read()
	if err != nil {
		return nil, err
	}
	MarkVersions(st.Boards)
	return st.Boards, nil
}

// Record notes a verified flash of r on board id (the flasher's call).
func (s *Store) Record(id BoardID, r FlashRecord) error {
	if r.At.IsZero() {
		r.At = s.Now()
	}
	return s.Update(id, func(b *Board) {
		rec := r
		rec.Partitions = nil // kept on the board, not repeated
		b.LastFlash = &rec
		b.Flashes++
		if r.Chip != "" {
			b.Chip = r.Chip
		}
		if len(r.Partitions) > 0 {
			b.Partitions = append([]Partition(nil), r.Partitions...)
		}
		if r.AtomVM != "" {
			b.AtomVM = r.AtomVM
		}
	})
}

// Seen notes what a look at a running board found.
func (s *Store) Seen(id BoardID, o Observation) error {
	return s.Update(id, func(b *Board) {
		if o.Chip != "" {
			b.Chip = o.Chip
		}
		if o.AtomVM != "" {
			b.AtomVM = o.AtomVM
		}
		if o.Node != "" {
			b.Node = o.Node
		}
		b.Up = o.Up
		b.SeenAt = s.Now()
	})
}

// Update applies fn to board id (created if new) under the store's lock
// and writes the file atomically. If the old file could not be read
// (corrupt, or from a newer avmsh), it is copied aside first and the
// returned *FileError says where; the update is written all the same.
func (s *Store) Update(id BoardID, fn func(*Board)) error {
	if err := os.MkdirAll(s.dir, 0o755); err != nil {
		return fmt.Errorf("fleet state: create %s: %w", s.dir, err)
	}
	unlock, err := lockFile(filepath.Join(s.dir, FileName+".lock"))
	if err != nil {
		return fmt.Errorf("fleet state: lock %s: %w", s.dir, err)
	}
	defer unlock()
	st, readErr := s.read()
	var fe *FileError
	if readErr != nil {
		if !errors.As(readErr, &fe) {
			return readErr
		}
		if fe.BadCopy, err = statefile.SetAside(s.Path()); err != nil {
			return fmt.Errorf("%v; and keeping a copy failed: %w", fe, err)
		}
	}
	key := id.Key()
	i := -1
	for j := range st.Boards {
		if st.Boards[j].Key == key {
			i = j
		}
	}
	if i < 0 {
		st.Boards = append(st.Boards, Board{Key: key})
		i = len(st.Boards) - 1
	}
	b := &st.Boards[i]
	b.ID = mergeID(b.ID, id)
	fn(b)
	b.Key, b.UpdatedAt = key, s.Now()
	sortBoards(st.Boards)
	st.Version = Version
	if err := s.write(st); err != nil {
		return err
	}
	if fe != nil {
		return fe
	}
	return nil
}

// mergeID keeps what is known of a board's identity (the port changes
// between plug-ins).
func mergeID(old, cur BoardID) BoardID {
	if cur.VID == "" {
		cur.VID = old.VID
	}
	if cur.PID == "" {
		cur.PID = old.PID
	}
	if cur.USBSerial == "" {
		cur.USBSerial = old.USBSerial
	}
	if cur.Port == "" {
		cur.Port = old.Port
	}
	return cur
}

// read loads the file. A file that is not there is an empty fleet. A
// corrupt one gives a *FileError and an empty fleet; a newer one a
// *FileError and the boards this version could read.
func (s *Store) read() (stateFile, error) {
	data, err := statefile.Read(s.Path(), maxFile)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return stateFile{Version: Version}, nil
	case errors.Is(err, statefile.ErrTooLarge):
		return stateFile{Version: Version}, &FileError{Path: s.Path(), Err: fmt.Errorf("larger than %d MiB", maxFile>>20)}
	case err != nil:
		return stateFile{}, fmt.Errorf("fleet state: %w", err)
	}
	var st stateFile
	if err := json.Unmarshal(data, &st); err != nil {
		return stateFile{Version: Version}, &FileError{Path: s.Path(), Err: fmt.Errorf("corrupt: %w", err)}
	}
	if st.Version > Version {
		return st, &FileError{Path: s.Path(), Err: fmt.Errorf("version %d, %w (this one writes version %d)", st.Version, ErrFutureVersion, Version)}
	}
	if st.Version < 1 {
		return stateFile{Version: Version}, &FileError{Path: s.Path(), Err: errors.New("corrupt: no version")}
	}
	// Drop entries without a key (hand edits): they cannot be updated.
	kept := st.Boards[:0]
	for _, b := range st.Boards {
		if b.Key != "" {
			kept = append(kept, b)
		}
	}
	st.Boards = kept
	return st, nil
}

// write replaces the file atomically (statefile.Write).
func (s *Store) write(st stateFile) error {
	data, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return fmt.Errorf("fleet state: encode: %w", err)
	}
	if err := statefile.Write(s.Path(), append(data, '\n')); err != nil {
		return fmt.Errorf("fleet state: write %s: %w", s.Path(), err)
	}
	return nil
}

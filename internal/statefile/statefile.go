package statefile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// ErrTooLarge is wrapped by Read's error for a file larger than its
// bound.
var ErrTooLarge = errors.New("file too large")

// Dir is avmsh's state directory: $XDG_STATE_HOME/avmsh when that is
// an absolute path (the XDG spec ignores relative ones), else
// ~/.local/state/avmsh. It is not created.
func Dir(getenv func(string) string, home func() (string, error)) (string, error) {
	if d := getenv("XDG_STATE_HOME"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "avmsh"), nil
	}
	h, err := home()
	if err != nil {
		return "", fmt.Errorf("find the avmsh state directory: set XDG_STATE_HOME or HOME: %w", err)
	}
	return filepath.Join(h, ".local", "state", "avmsh"), nil
}

// Read returns the content of the file at path, reading at most max
// bytes: a larger file gives an error wrapping ErrTooLarge (and no
// data). A missing file gives an error wrapping fs.ErrNotExist.
func Read(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("%s: %w (more than %d bytes)", path, ErrTooLarge, max)
	}
	return data, nil
}

// Write replaces the file at path with data atomically: a temporary
// file in the same directory (path's name + ".tmp*", mode 0600),
// written and synced, then renamed over path. On an error the
// temporary file is removed and path is left as it was. The directory
// must exist.
func Write(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		_ = os.Remove(tmp.Name())
		return err
	}
	return nil
}

// maxBadCopies bounds the .bad copies SetAside makes of one file.
const maxBadCopies = 1000

// SetAside copies the file at path to path.bad (or path.bad.N when
// that exists: an earlier copy is never overwritten) and returns the
// copy's path. Callers keep what could not be read before they replace
// it.
func SetAside(path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	for i := 0; i < maxBadCopies; i++ {
		name := path + ".bad"
		if i > 0 {
			name = fmt.Sprintf("%s.bad.%d", path, i)
		}
		f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return "", err
		}
		_, err = f.Write(data)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		return name, err
	}
	return "", fmt.Errorf("%s: too many .bad copies: clean them up", path)
}

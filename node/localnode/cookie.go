package localnode

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
)

// Errors of ReadCookieFile, wrapped with the file's name.
var (
	// ErrCookieFileMode: the file can be read, written or run by its
	// group or others. erl refuses such a file ("must be accessible by
	// owner only"); so does avmsh.
	ErrCookieFileMode = errors.New("cookie file is accessible by others")
	// ErrCookieFileType: the file is not a regular file.
	ErrCookieFileType = errors.New("cookie file is not a regular file")
	// ErrCookieFileContent: the file holds no cookie, characters erl
	// does not accept in one, or more than an atom can hold.
	ErrCookieFileContent = errors.New("bad cookie file")
)

// maxCookie is the longest cookie: it becomes an atom (255 characters).
const maxCookie = 255

// CookieFile is the path of the cookie file in home: home/.erlang.cookie.
func CookieFile(home string) string { return filepath.Join(home, ".erlang.cookie") }

// ReadCookieFile reads the cookie in path the way erl reads
// ~/.erlang.cookie (OTP's kernel auth module):
//
//   - a missing file is created with a random cookie of 20 upper-case
//     letters, mode 0400;
//   - the file must be a regular file, and on Unix no permission bit of
//     its group or others may be set (mode & 0077 == 0), otherwise it is
//     refused (ErrCookieFileMode, ErrCookieFileType);
//   - the cookie is the leading run of printable ASCII characters
//     (space to '~', so inner and trailing spaces count); what follows
//     may only be newlines, carriage returns and spaces; an empty cookie
//     is refused (ErrCookieFileContent).
func ReadCookieFile(path string) (string, error) {
	st, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		if err := createCookieFile(path); err != nil {
			return "", err
		}
		st, err = os.Stat(path)
	}
	if err != nil {
		return "", fmt.Errorf("read the cookie file: %w", err)
	}
	if !st.Mode().IsRegular() {
		return "", fmt.Errorf("%w: %s (%s)", ErrCookieFileType, path, st.Mode().Type())
	}
	if perm := st.Mode().Perm(); runtime.GOOS != "windows" && perm&0o077 != 0 {
		return "", fmt.Errorf("%w: %s has mode %04o; erl accepts only a file no one but its owner may use", ErrCookieFileMode, path, perm)
	}
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("read the cookie file: %w", err)
	}
	defer f.Close()
	// A cookie and its line end fit in far less; more is not a cookie.
	data, err := io.ReadAll(io.LimitReader(f, 4096))
	if err != nil {
		return "", fmt.Errorf("read the cookie file %s: %w", path, err)
	}
	return parseCookie(path, data)
}

// parseCookie applies erl's rules for the content (auth:check_cookie).
func parseCookie(path string, data []byte) (string, error) {
	i := 0
	for i < len(data) && data[i] >= ' ' && data[i] <= '~' {
		i++
	}
	for _, c := range data[i:] {
		if c != '\n' && c != '\r' && c != ' ' {
			return "", fmt.Errorf("%w: %s has a character erl does not accept in a cookie (byte %#02x at offset %d): a cookie is printable ASCII on one line", ErrCookieFileContent, path, c, i)
		}
	}
	switch {
	case i == 0:
		return "", fmt.Errorf("%w: %s is empty: write a cookie into it", ErrCookieFileContent, path)
	case i > maxCookie:
		return "", fmt.Errorf("%w: the cookie in %s is %d characters long; at most %d fit in an atom", ErrCookieFileContent, path, i, maxCookie)
	}
	return string(data[:i]), nil
}

// createCookieFile writes a new random cookie, readable by its owner
// only, as erl does. A file created concurrently by another process is
// kept.
func createCookieFile(path string) error {
	var b [20]byte
	if _, err := rand.Read(b[:]); err != nil {
		return fmt.Errorf("generate a cookie: %w", err)
	}
	for i := range b {
		b[i] = 'A' + b[i]%26
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o400)
	if errors.Is(err, fs.ErrExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("create the cookie file: %w", err)
	}
	_, werr := f.Write(b[:])
	if err := f.Close(); werr == nil {
		werr = err
	}
	if werr != nil {
		return fmt.Errorf("write the cookie file %s: %w", path, werr)
	}
	return nil
}

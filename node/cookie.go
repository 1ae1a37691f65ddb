package node

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// CookieSource says where a cookie came from (for messages: never the
// cookie itself).
type CookieSource string

// Where a cookie can come from, in the order they are tried.
const (
	CookieFromFlag CookieSource = "--cookie flag"
	CookieFromEnv  CookieSource = "AVMSH_COOKIE"
	CookieFromFile CookieSource = "~/.erlang.cookie"
)

// ResolveCookie finds the cookie as erl and avmsh users expect: the flag
// value, then the AVMSH_COOKIE environment variable, then
// ~/.erlang.cookie, which is created (mode 0400, 20 random upper-case
// letters, like erl does) when it does not exist. getenv and home are
// injectable for tests.
func ResolveCookie(flag string, getenv func(string) string, home string) (string, CookieSource, error) {
	if flag != "" {
		return flag, CookieFromFlag, nil
	}
	if v := getenv("AVMSH_COOKIE"); v != "" {
		return v, CookieFromEnv, nil
	}
	if home == "" {
		h, err := os.UserHomeDir()
		if err != nil {
			return "", "", &CookieFileError{Path: "~/.erlang.cookie", Problem: "has no home directory to be in", Err: err}
		}
		home = h
	}
	path := filepath.Join(home, ".erlang.cookie")
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		c, err := newCookie()
		if err != nil {
			return "", "", err
		}
		if err := writeCookieFile(path, c); err != nil {
			return "", "", err
		}
		return c, CookieFromFile, nil
	}
	if err != nil {
		return "", "", &CookieFileError{Path: path, Problem: "cannot be read", Err: err}
	}
	c := strings.TrimRight(string(data), "\r\n \t")
	if c == "" {
		return "", "", &CookieFileError{Path: path, Problem: "is empty (write a cookie into it)"}
	}
	return c, CookieFromFile, nil
}

// CookieFileError is ResolveCookie's error when no cookie was given and
// the cookie file cannot serve: it cannot be read or created, or is
// empty. Callers say how to give a cookie instead.
type CookieFileError struct {
	Path    string
	Problem string // "cannot be read", "is empty ...", ...
	Err     error  // the cause, if any
}

func (e *CookieFileError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("no cookie given, and %s %s: %v", e.Path, e.Problem, e.Err)
	}
	return fmt.Sprintf("no cookie given, and %s %s", e.Path, e.Problem)
}

func (e *CookieFileError) Unwrap() error { return e.Err }

func newCookie() (string, error) {
	var b [20]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("generate a cookie: %w", err)
	}
	for i := range b {
		b[i] = 'A' + b[i]%26
	}
	return string(b[:]), nil
}

func writeCookieFile(path, cookie string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o400)
	if errors.Is(err, fs.ErrExist) {
		return nil // created concurrently by another process: fine
	}
	if err != nil {
		return &CookieFileError{Path: path, Problem: "cannot be created", Err: err}
	}
	defer f.Close()
	if _, err := f.WriteString(cookie); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

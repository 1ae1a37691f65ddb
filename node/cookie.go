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
			return "", "", fmt.Errorf("no cookie: pass --cookie or set AVMSH_COOKIE (no home directory for ~/.erlang.cookie: %w)", err)
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
		return "", "", fmt.Errorf("read %s: %w (pass --cookie or set AVMSH_COOKIE instead)", path, err)
	}
	c := strings.TrimRight(string(data), "\r\n \t")
	if c == "" {
		return "", "", fmt.Errorf("%s is empty: write a cookie into it, or pass --cookie", path)
	}
	return c, CookieFromFile, nil
}

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
		return fmt.Errorf("create %s: %w (pass --cookie or set AVMSH_COOKIE instead)", path, err)
	}
	defer f.Close()
	if _, err := f.WriteString(cookie); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

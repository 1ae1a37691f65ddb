package cmdutil

import (
	"errors"
	"fmt"

	"github.com/avmsh/avmsh/node/localnode"
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

// ResolveCookie finds the cookie as erl and avmsh users expect: the
// --cookie flag's value, then the AVMSH_COOKIE environment variable,
// then ~/.erlang.cookie, read as erl reads it (created when missing,
// refused when others may read it; see localnode.ReadCookieFile). A
// cookie file avmsh cannot use is a usage error that says how to fix it.
func ResolveCookie(f *Factory, flag string) (string, CookieSource, error) {
	if flag != "" {
		return flag, CookieFromFlag, nil
	}
	if v := f.Getenv("AVMSH_COOKIE"); v != "" {
		return v, CookieFromEnv, nil
	}
	home, err := f.homeDir()
	if err != nil {
		return "", "", UsageError("no cookie: no home directory for ~/.erlang.cookie (%v)\nhint: pass --cookie or set AVMSH_COOKIE", err)
	}
	path := localnode.CookieFile(home)
	c, err := localnode.ReadCookieFile(path)
	switch {
	case err == nil:
		return c, CookieFromFile, nil
	case errors.Is(err, localnode.ErrCookieFileMode):
		return "", "", &ExitError{Code: ExitUsage, Err: fmt.Errorf("%w\nhint: make it private with 'chmod 400 %s' (or pass --cookie, or set AVMSH_COOKIE)", err, path)}
	}
	return "", "", &ExitError{Code: ExitUsage, Err: fmt.Errorf("%w\nhint: fix %s, or pass --cookie, or set AVMSH_COOKIE", err, path)}
}

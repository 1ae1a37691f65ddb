package localnode

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/avmsh/avmsh/internal/erltest"
)

func writeCookie(t *testing.T, content string, mode os.FileMode) string {
	t.Helper()
	path := CookieFile(t.TempDir())
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestReadCookieFile(t *testing.T) {
	for _, c := range []struct {
		content string
		mode    os.FileMode
		want    string
		err     error
	}{
		{"SECRET\n", 0o400, "SECRET", nil},
		{"SECRET", 0o600, "SECRET", nil},
		{"SECRET\r\n \n", 0o700, "SECRET", nil},
		{"with inner and trailing spaces  \n", 0o400, "with inner and trailing spaces  ", nil},
		{"SECRET\n", 0o644, "", ErrCookieFileMode},
		{"SECRET\n", 0o640, "", ErrCookieFileMode},
		{"SECRET\n", 0o401, "", ErrCookieFileMode},
		{"SECRET\n", 0o410, "", ErrCookieFileMode},
		{"", 0o400, "", ErrCookieFileContent},
		{"\n", 0o400, "", ErrCookieFileContent},
		{"AB\tC\n", 0o400, "", ErrCookieFileContent},
		{"ABC\nDEF\n", 0o400, "", ErrCookieFileContent},
		{"caf\xc3\xa9\n", 0o400, "", ErrCookieFileContent},
		{strings.Repeat("A", 256), 0o400, "", ErrCookieFileContent},
		{strings.Repeat("A", 255), 0o400, strings.Repeat("A", 255), nil},
	} {
		if runtime.GOOS == "windows" && c.err == ErrCookieFileMode {
			continue
		}
		path := writeCookie(t, c.content, c.mode)
		got, err := ReadCookieFile(path)
		if got != c.want || !errors.Is(err, c.err) {
			t.Errorf("%q mode %04o: got %q, %v; want %q, %v", c.content, c.mode, got, err, c.want, c.err)
		}
		if errors.Is(err, ErrCookieFileMode) && !strings.Contains(err.Error(), path) {
			t.Errorf("the error does not name the file: %v", err)
		}
	}
	// A directory is not a cookie file.
	dir := filepath.Join(t.TempDir(), ".erlang.cookie")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadCookieFile(dir); !errors.Is(err, ErrCookieFileType) {
		t.Errorf("directory: %v", err)
	}
}

func TestReadCookieFileCreates(t *testing.T) {
	path := CookieFile(t.TempDir())
	c, err := ReadCookieFile(path)
	if err != nil || len(c) != 20 || strings.Trim(c, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
		t.Fatalf("created cookie %q: %v", c, err)
	}
	st, err := os.Stat(path)
	if err != nil || runtime.GOOS != "windows" && st.Mode().Perm() != 0o400 {
		t.Fatalf("created file: %v %v", st.Mode(), err)
	}
	again, err := ReadCookieFile(path)
	if err != nil || again != c {
		t.Fatalf("read again: %q %v", again, err)
	}
}

// erl reads the same cookie from the same file (inner and trailing
// spaces kept), and refuses the same files.
func TestCookieFileAsErlReadsIt(t *testing.T) {
	erltest.Require(t)
	ep := erltest.StartEpmd(t)
	erlCookie := func(path string) (string, string) {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, "erl", "-noshell", "-name", erltest.RandomName("ck")+"@127.0.0.1",
			"-eval", `io:format("cookie=[~s]~n", [erlang:get_cookie()]), halt().`)
		// No erl_crash.dump when erl refuses the file.
		cmd.Env = append(os.Environ(), "HOME="+filepath.Dir(path), "ERL_EPMD_PORT="+strconv.Itoa(ep.Port), "ERL_CRASH_DUMP_SECONDS=0")
		out, _ := cmd.CombinedOutput()
		s := string(out)
		if i := strings.Index(s, "cookie=["); i >= 0 {
			s = s[i+len("cookie=["):]
			return s[:strings.Index(s, "]")], ""
		}
		return "", s
	}
	for _, c := range []struct {
		content string
		mode    os.FileMode
	}{
		{"a b c  \r\n", 0o400},
		{"plain", 0o600},
		{"plain\n", 0o640},
		{"tab\there\n", 0o400},
	} {
		path := writeCookie(t, c.content, c.mode)
		want, erlErr := erlCookie(path)
		got, err := ReadCookieFile(path)
		if (err == nil) != (erlErr == "") || got != want {
			t.Errorf("%q mode %04o: erl %q (%s), avmsh %q (%v)", c.content, c.mode, want, strings.TrimSpace(erlErr), got, err)
		}
	}
}

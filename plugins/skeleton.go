package plugins

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Kind of skeleton NewSkeleton writes.
const (
	// Script is a POSIX shell script that calls avmsh's commands.
	Script = "script"
	// Go is a Go program that embeds a node with the embedding API
	// (package github.com/avmsh/avmsh/erlang).
	Go = "go"
)

// NewSkeleton writes a new plugin called name into dir and returns the
// path of what it wrote: the executable script dir/avmsh-NAME, or for Go
// the directory dir/avmsh-NAME with main.go, go.mod and README.md (build
// it with `go build`; avmshVersion, when it is a release version such as
// v1.2.3, is the avmsh module version go.mod requires). It never
// overwrites a file.
func NewSkeleton(dir, name, kind, avmshVersion string) (string, error) {
	if !ValidName(name) {
		return "", fmt.Errorf("plugin name %q: use lower-case letters, digits, '-' and '_' (the file is avmsh-NAME)", name)
	}
	path := filepath.Join(dir, Prefix+name)
	if _, err := os.Lstat(path); err == nil {
		return "", fmt.Errorf("%s already exists: choose another name or directory", path)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return "", err
	}
	r := strings.NewReplacer("{{name}}", name)
	switch kind {
	case Script:
		if err := os.WriteFile(path, []byte(r.Replace(scriptSkeleton)), 0o755); err != nil {
			return "", fmt.Errorf("write the plugin: %w", err)
		}
	case Go:
		if err := os.Mkdir(path, 0o755); err != nil {
			return "", fmt.Errorf("create the plugin's directory: %w", err)
		}
		req := ""
		if strings.HasPrefix(avmshVersion, "v") {
			req = "\nrequire github.com/avmsh/avmsh " + avmshVersion + "\n"
		}
		files := map[string]string{
			"main.go":   r.Replace(goSkeleton),
			"go.mod":    r.Replace(goMod) + req,
			"README.md": r.Replace(goReadme),
		}
		for file, text := range files {
			if err := os.WriteFile(filepath.Join(path, file), []byte(text), 0o644); err != nil {
				return "", fmt.Errorf("write the plugin: %w", err)
			}
		}
	default:
		return "", fmt.Errorf("skeleton kind %q: want %s or %s", kind, Script, Go)
	}
	return path, nil
}

const scriptSkeleton = `#!/bin/sh
# avmsh-{{name}}: an avmsh plugin. Put this file on PATH (or in
# ~/.local/share/avmsh/plugins) and run it as:
#
#   avmsh {{name}} NODE
#   avmsh --target NODE --cookie SECRET {{name}}
#
# avmsh passes its context in the environment (docs/plugins.md):
# AVMSH_BIN (the avmsh that runs this plugin), AVMSH_TARGET, AVMSH_NODE,
# AVMSH_OUTPUT, AVMSH_COOKIE_SOURCE, ERL_EPMD_PORT ... avmsh's own
# commands read the same cookie (AVMSH_COOKIE or ~/.erlang.cookie) and
# epmd port from that environment: calling them needs no --cookie.
set -eu

target=${1:-${AVMSH_TARGET:-}}
if [ -z "$target" ]; then
  echo "usage: avmsh {{name}} NODE  (or avmsh --target NODE {{name}})" >&2
  exit 2
fi

set -- rpc "$target" erlang system_info otp_release
if [ "${AVMSH_OUTPUT:-}" = json ]; then
  set -- "$@" --output json
fi
if [ -n "${AVMSH_NODE:-}" ]; then
  if [ "${AVMSH_NAME_MODE:-}" = longnames ]; then
    set -- "$@" --name "$AVMSH_NODE"
  else
    set -- "$@" --sname "$AVMSH_NODE"
  fi
fi
exec "${AVMSH_BIN:-avmsh}" "$@"
`

const goMod = `module avmsh-{{name}}

go 1.26
`

const goReadme = "# avmsh-{{name}}\n\n" +
	"An avmsh plugin in Go: it embeds an Erlang node with avmsh's embedding API\n" +
	"(package github.com/avmsh/avmsh/erlang, see docs/embedding.md).\n\n" +
	"```sh\n" +
	"go mod tidy            # fetches github.com/avmsh/avmsh\n" +
	"go build -o ~/.local/share/avmsh/plugins/avmsh-{{name}} .\n" +
	"avmsh {{name}} app@127.0.0.1\n" +
	"```\n"

const goSkeleton = `// Command avmsh-{{name}} is an avmsh plugin: run it as avmsh {{name}} NODE, or
// avmsh --target NODE {{name}}. It reads the context avmsh passes in its
// environment (docs/plugins.md) and embeds an Erlang node.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"time"

	"github.com/avmsh/avmsh/erlang"
	"github.com/avmsh/avmsh/vm/term"
)

func main() {
	// Ctrl-C cancels the context: the call is abandoned and the node
	// stopped before the plugin exits.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:])
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string) int {
	target := os.Getenv("AVMSH_TARGET")
	if len(args) > 0 {
		target = args[0]
	}
	if target == "" {
		fmt.Fprintln(os.Stderr, "usage: avmsh {{name}} NODE  (or avmsh --target NODE {{name}})")
		return 2
	}
	timeout := 60 * time.Second
	if d, err := time.ParseDuration(os.Getenv("AVMSH_TIMEOUT")); err == nil && d > 0 {
		timeout = d
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	cookie, err := cookie()
	if err != nil {
		fmt.Fprintln(os.Stderr, "avmsh-{{name}}:", err)
		return 2
	}
	// Our node's name: AVMSH_NODE, or a random one that fits the target.
	name, err := erlang.NameFor(os.Getenv("AVMSH_NODE"), term.Atom(target))
	if err != nil {
		fmt.Fprintln(os.Stderr, "avmsh-{{name}}:", err)
		return 2
	}
	n, err := erlang.Start(ctx, erlang.Config{Name: name, Cookie: cookie, Output: os.Stdout})
	if err != nil {
		fmt.Fprintln(os.Stderr, "avmsh-{{name}}:", err)
		return 3
	}
	defer n.Stop()

	v, err := n.Call(ctx, term.Atom(target), "erlang", "system_info", term.Atom("otp_release"))
	var e *erlang.Exception
	switch {
	case errors.As(err, &e):
		fmt.Fprintln(os.Stderr, "avmsh-{{name}}:", err)
		return 1
	case errors.Is(err, erlang.ErrTimeout):
		fmt.Fprintln(os.Stderr, "avmsh-{{name}}:", err)
		return 4
	case err != nil:
		fmt.Fprintln(os.Stderr, "avmsh-{{name}}:", err)
		return 3
	}
	release, _ := term.CharList(v) // a string: "27"
	if os.Getenv("AVMSH_OUTPUT") == "json" {
		fmt.Printf("{\"node\": %q, \"otp_release\": %q}\n", target, release)
	} else {
		fmt.Printf("%s runs OTP %s\n", target, release)
	}
	return 0
}

// cookie is the cookie avmsh resolved: AVMSH_COOKIE (set by avmsh for
// --cookie, or inherited), else the cookie file (AVMSH_COOKIE_FILE, else
// ~/.erlang.cookie, which erlang.Start reads when the cookie is empty).
func cookie() (string, error) {
	if c := os.Getenv("AVMSH_COOKIE"); c != "" {
		return c, nil
	}
	if f := os.Getenv("AVMSH_COOKIE_FILE"); f != "" {
		return erlang.ReadCookieFile(f)
	}
	return "", nil
}
`

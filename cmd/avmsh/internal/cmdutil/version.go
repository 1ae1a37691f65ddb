package cmdutil

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/avmsh/avmsh/epmd"
	"github.com/avmsh/avmsh/vm/etf"
)

// Build describes the binary: its version, commit and build date, as
// the release build stamps them (-ldflags -X), or as the Go toolchain
// recorded them (`go install ...@v1.2.3`, a build in a git checkout).
type Build struct {
	Version, Commit, Date string
}

// Resolve fills what the release build did not stamp from the Go
// toolchain's build information. A release build stamps everything,
// and then the build information is not read (parsing it is part of
// every command's start-up).
func (b Build) Resolve() Build {
	if b.Version != "" && b.Version != "dev" && b.Commit != "" && b.Date != "" {
		return b
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return b
	}
	if (b.Version == "" || b.Version == "dev") && info.Main.Version != "" && info.Main.Version != "(devel)" {
		b.Version = info.Main.Version
	}
	for _, s := range info.Settings {
		switch {
		case s.Key == "vcs.revision" && b.Commit == "":
			b.Commit = s.Value
		case s.Key == "vcs.time" && b.Date == "":
			b.Date = s.Value
		}
	}
	if b.Version == "" {
		b.Version = "dev"
	}
	return b
}

// VersionText is what `avmsh --version` prints: the version, the commit
// and build date, the Go version, and the protocols avmsh speaks.
func (b Build) VersionText() string {
	var s strings.Builder
	fmt.Fprintf(&s, "avmsh %s\n", b.Version)
	commit, date := b.Commit, b.Date
	if commit == "" {
		commit = "unknown"
	}
	if date == "" {
		date = "unknown"
	}
	fmt.Fprintf(&s, "commit:       %s\n", commit)
	fmt.Fprintf(&s, "built:        %s\n", date)
	fmt.Fprintf(&s, "go:           %s %s/%s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH)
	fmt.Fprintf(&s, "distribution: protocol version %d (the 'N' handshake of OTP 23+; OTP 24 or later as peers), external term format %d\n", epmd.DistVersion, etf.Version)
	fmt.Fprintf(&s, "transports:   TCP, TLS (OTP's inet_tls), serial (AtomVM's serial_dist)\n")
	fmt.Fprintf(&s, "epmd:         ALIVE2_X/ALIVE2 and PORT_PLEASE2 (client and server)\n")
	return s.String()
}

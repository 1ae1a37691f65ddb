package main

import (
	"context"
	"os"

	"github.com/avmsh/avmsh/cmd/avmsh/internal/cmdutil"
	"github.com/avmsh/avmsh/cmd/avmsh/internal/root"
	// No terminal queries at start-up (see the package's doc); before
	// the dashboard's packages are initialised.
	_ "github.com/avmsh/avmsh/tui/theme/noquery"
)

// Set at release time with -ldflags "-X main.version=... -X main.commit=...
// -X main.date=..." (goreleaser.yaml); otherwise the Go toolchain's build
// information fills them when it can (cmdutil.Build.Resolve).
var (
	version = "dev"
	commit  = ""
	date    = ""
)

func main() {
	// Ctrl-C and SIGTERM cancel a command's context once it runs
	// (Factory.WatchInterrupts).
	os.Exit(root.Execute(context.Background(), cmdutil.NewFactory(cmdutil.Build{Version: version, Commit: commit, Date: date})))
}

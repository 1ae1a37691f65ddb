// Command avmsh is a terminal tool and REPL for mixed AtomVM/BEAM Erlang
// clusters. Run `avmsh --help` for the command list.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/avmsh/avmsh/cmd/avmsh/internal/cmdutil"
	"github.com/avmsh/avmsh/cmd/avmsh/internal/root"
	// No terminal queries at start-up (see the package's doc); before
	// the dashboard's packages are initialised.
	_ "github.com/avmsh/avmsh/tui/theme/noquery"
)

// version is set at release time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := root.Execute(ctx, cmdutil.NewFactory(version))
	stop()
	os.Exit(code)
}

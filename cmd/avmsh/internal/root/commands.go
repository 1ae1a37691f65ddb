package root

import (
	"github.com/spf13/cobra"

	"github.com/avmsh/avmsh/cmd/avmsh/internal/cmdutil"
)

// commandList returns the constructor of every subcommand. Add one line
// per command package.
func commandList() []func(*cmdutil.Factory) *cobra.Command {
	return []func(*cmdutil.Factory) *cobra.Command{}
}

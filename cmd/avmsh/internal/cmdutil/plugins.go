package cmdutil

import (
	"github.com/spf13/cobra"

	"github.com/avmsh/avmsh/plugins"
)

// IsBuiltin reports whether name is one of root's commands (or their
// aliases), including those cobra adds when it runs (help, completion
// and the hidden completion requests). Built-in commands shadow plugins.
func IsBuiltin(root *cobra.Command, name string) bool {
	switch name {
	case "help", "completion", cobra.ShellCompRequestCmd, cobra.ShellCompNoDescRequestCmd:
		return true
	}
	for _, c := range root.Commands() {
		if c.Name() == name || c.HasAlias(name) {
			return true
		}
	}
	return false
}

// PluginFinder finds plugins in the Factory's environment (PATH,
// XDG_DATA_HOME, HOME); root's commands (when root is not nil) shadow
// them.
func PluginFinder(f *Factory, root *cobra.Command) plugins.Finder {
	pf := plugins.Finder{Getenv: f.Getenv}
	if root != nil {
		pf.Builtin = func(name string) bool { return IsBuiltin(root, name) }
	}
	return pf
}

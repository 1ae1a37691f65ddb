package cmdutil

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

// PositionalArgs checks that a command got between least and most
// positional arguments (most < 0: no upper bound). Every command uses it,
// so that a wrong count always reads the same way: what is missing or
// unexpected, the usage line, and where the examples are. The names of
// missing arguments come from the command's Use line ("rpc NODE MODULE
// FUNCTION [ARG ...]": bracketed words are optional).
func PositionalArgs(least, most int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		n := len(args)
		var msg string
		switch {
		case n < least:
			names := requiredArgs(cmd.Use)
			if n < len(names) {
				msg = fmt.Sprintf("%s: missing %s", cmd.Name(), strings.Join(names[n:], " "))
			} else {
				msg = fmt.Sprintf("%s: needs at least %d arguments (got %d)", cmd.Name(), least, n)
			}
		case most == 0 && n > 0:
			msg = fmt.Sprintf("%s takes no arguments (got %q)", cmd.Name(), args[0])
		case most >= 0 && n > most:
			msg = fmt.Sprintf("%s: unexpected argument %q (it takes at most %d)", cmd.Name(), args[most], most)
		default:
			return nil
		}
		return UsageError("%s\nusage: %s\nRun '%s --help' for examples.", msg, cmd.UseLine(), cmd.CommandPath())
	}
}

// requiredArgs lists the required argument names of a Use line, without
// a trailing "..." ("ping NODE..." → [NODE]).
func requiredArgs(use string) []string {
	var out []string
	for _, w := range strings.Fields(use)[1:] {
		if strings.HasPrefix(w, "[") {
			break
		}
		out = append(out, strings.TrimSuffix(w, "..."))
	}
	return out
}

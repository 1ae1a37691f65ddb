package cmdutil

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/avmsh/avmsh/devices"
	"github.com/avmsh/avmsh/epmd"
	"github.com/avmsh/avmsh/erlang"
	"github.com/avmsh/avmsh/node/serialdist"
	"github.com/avmsh/avmsh/vm/term"
)

// Shell completion that knows the cluster: node names from epmd, serial
// ports, and modules, functions and registered names asked of the target
// node. A completion must never hang the shell: each one is bounded by
// CompletionTimeout, and finds nothing rather than waiting longer.

// CompletionTimeout bounds one completion request, node start, epmd and
// node queries included.
const CompletionTimeout = 2 * time.Second

// maxCompletions caps the candidates a node query offers.
const maxCompletions = 1000

// Completer completes one positional argument; args are the arguments
// before it.
type Completer func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective)

// CompleteArgs returns a ValidArgsFunction that completes positional
// argument i with per[i]; the last completer also completes every
// argument after it. Nil completers (and positions past a nil last one)
// complete nothing.
func CompleteArgs(per ...Completer) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if len(per) == 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		c := per[min(len(args), len(per)-1)]
		if c == nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return c(cmd, args, toComplete)
	}
}

// enumAnnotation marks a flag whose values are a fixed set (EnumFlag).
const enumAnnotation = "avmsh_enum"

// EnumFlag declares the values flag name of fs takes, for shell
// completion (see RegisterCompletions).
func EnumFlag(fs *pflag.FlagSet, name string, values ...string) {
	_ = fs.SetAnnotation(name, enumAnnotation, values)
}

// RegisterCompletions completes the values of every flag declared with
// EnumFlag in root's tree (--output everywhere). The root calls it once
// the tree is built.
func RegisterCompletions(root *cobra.Command) {
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		c.Flags().VisitAll(func(fl *pflag.Flag) {
			if values, ok := fl.Annotations[enumAnnotation]; ok {
				_ = c.RegisterFlagCompletionFunc(fl.Name, func(_ *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
					var out []cobra.Completion
					for _, v := range values {
						if strings.HasPrefix(v, toComplete) {
							out = append(out, v)
						}
					}
					return out, cobra.ShellCompDirectiveNoFileComp
				})
			}
		})
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

// RegisterSerialPortFlag completes the values of flag name with the
// serial ports of this machine (prefixed with "serial:" when
// withScheme).
func RegisterSerialPortFlag(cmd *cobra.Command, name string, withScheme bool) {
	_ = cmd.RegisterFlagCompletionFunc(name, func(cmd *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		return serialPorts(cmd, toComplete, withScheme), cobra.ShellCompDirectiveNoFileComp
	})
}

// CompleteSerialPorts completes a PORT argument with this machine's
// serial ports (listed, never opened or probed).
func CompleteSerialPorts(cmd *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	return serialPorts(cmd, toComplete, false), cobra.ShellCompDirectiveNoFileComp
}

func serialPorts(cmd *cobra.Command, toComplete string, withScheme bool) []cobra.Completion {
	ctx, cancel := completionContext(cmd)
	defer cancel()
	devs, err := devices.List(ctx, devices.ListOptions{SkipAccess: true})
	if err != nil {
		return nil
	}
	var out []cobra.Completion
	for _, d := range devs {
		if d.Path == "" {
			continue
		}
		p := d.Path
		if withScheme {
			p = "serial:" + p
		}
		if strings.HasPrefix(p, toComplete) {
			out = append(out, cobra.CompletionWithDesc(p, portDesc(d)))
		}
	}
	return out
}

func portDesc(d devices.Device) string {
	switch {
	case d.Board != nil:
		return d.Board.Name
	case d.Product != "":
		return d.Product
	}
	return "serial port"
}

func completionContext(cmd *cobra.Command) (context.Context, context.CancelFunc) {
	ctx := cmd.Context()
	if ctx == nil {
		ctx = context.Background()
	}
	return context.WithTimeout(ctx, CompletionTimeout)
}

// NodeCompleter completes a NODE argument: the nodes registered in this
// machine's epmd (at ERL_EPMD_PORT), as bare names, or as NAME@HOST for
// this machine's host names once an '@' is typed; and serial:PORT for
// this machine's serial ports.
func (o *NodeOptions) NodeCompleter(f *Factory) Completer {
	return func(cmd *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if strings.HasPrefix(toComplete, "serial:") || strings.HasPrefix("serial:", toComplete) && toComplete != "" {
			return serialPorts(cmd, toComplete, true), cobra.ShellCompDirectiveNoFileComp
		}
		ctx, cancel := completionContext(cmd)
		defer cancel()
		var out []cobra.Completion
		addr, err := epmd.Address("127.0.0.1", f.Getenv)
		if err == nil {
			if names, err := epmd.NewClient(addr).Names(ctx); err == nil {
				for _, n := range names.Nodes {
					for _, c := range nodeForms(n.Name, toComplete) {
						out = append(out, cobra.CompletionWithDesc(c, fmt.Sprintf("port %d", n.Port)))
					}
				}
			}
		}
		if toComplete == "" {
			out = append(out, serialPorts(cmd, "serial:", true)...)
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}

// nodeForms are the ways to write the local node alive that match
// toComplete.
func nodeForms(alive, toComplete string) []string {
	if !strings.Contains(toComplete, "@") {
		if strings.HasPrefix(alive, toComplete) {
			return []string{alive}
		}
		return nil
	}
	hosts := []string{"127.0.0.1", "localhost"}
	if h, err := os.Hostname(); err == nil && h != "" {
		short, _, _ := strings.Cut(h, ".")
		hosts = append([]string{short}, hosts...)
		if short != h {
			hosts = append(hosts, h)
		}
	}
	var out []string
	for _, h := range hosts {
		if c := alive + "@" + h; strings.HasPrefix(c, toComplete) && !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	return out
}

// ModuleCompleter completes a MODULE argument with the modules loaded on
// the node named by argument nodeArg (erlang:loaded/0).
func (o *NodeOptions) ModuleCompleter(f *Factory, nodeArg int) Completer {
	return o.askNode(f, nodeArg, func(ctx context.Context, n *erlang.Node, target term.Atom, _ []string) ([]cobra.Completion, error) {
		v, err := n.Call(ctx, target, "erlang", "loaded")
		if err != nil {
			return nil, err
		}
		return atoms(v), nil
	})
}

// FunctionCompleter completes a FUNCTION argument with the exports of
// the module in argument moduleArg on the node in argument nodeArg
// (Module:module_info(exports)), each described with its arities.
func (o *NodeOptions) FunctionCompleter(f *Factory, nodeArg, moduleArg int) Completer {
	return o.askNode(f, nodeArg, func(ctx context.Context, n *erlang.Node, target term.Atom, args []string) ([]cobra.Completion, error) {
		if moduleArg >= len(args) {
			return nil, nil
		}
		v, err := n.Call(ctx, target, term.Atom(args[moduleArg]), "module_info", term.Atom("exports"))
		if err != nil {
			return nil, err
		}
		arities := map[string][]string{}
		var names []string
		forEach(v, func(e term.Term) {
			if t, ok := e.(term.Tuple); ok && len(t) == 2 {
				if name, ok := t[0].(term.Atom); ok {
					if _, seen := arities[string(name)]; !seen {
						names = append(names, string(name))
					}
					arities[string(name)] = append(arities[string(name)], fmt.Sprintf("%s/%v", name, t[1]))
				}
			}
		})
		out := make([]cobra.Completion, 0, len(names))
		for _, name := range names {
			out = append(out, cobra.CompletionWithDesc(name, strings.Join(arities[name], " ")))
		}
		return out, nil
	})
}

// RegisteredCompleter completes a registered NAME on the node in
// argument nodeArg (erlang:registered/0).
func (o *NodeOptions) RegisteredCompleter(f *Factory, nodeArg int) Completer {
	return o.askNode(f, nodeArg, func(ctx context.Context, n *erlang.Node, target term.Atom, _ []string) ([]cobra.Completion, error) {
		v, err := n.Call(ctx, target, "erlang", "registered")
		if err != nil {
			return nil, err
		}
		return atoms(v), nil
	})
}

// askNode starts a completion node, connects it to the node in argument
// nodeArg and runs ask, all within CompletionTimeout, and keeps the
// candidates that start with toComplete. Serial targets are not asked:
// opening a port can reset a board. Any failure completes nothing.
func (o *NodeOptions) askNode(f *Factory, nodeArg int, ask func(context.Context, *erlang.Node, term.Atom, []string) ([]cobra.Completion, error)) Completer {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		none := cobra.ShellCompDirectiveNoFileComp
		if nodeArg >= len(args) || serialdist.IsAddress(args[nodeArg]) {
			return nil, none
		}
		t, err := o.ParseTarget(args[nodeArg])
		if err != nil {
			return nil, none
		}
		ctx, cancel := completionContext(cmd)
		defer cancel()
		cfg, err := o.completionConfig(f, t.Host())
		if err != nil {
			return nil, none
		}
		n, err := f.StartNode(ctx, cfg)
		if err != nil {
			return nil, none
		}
		defer n.Stop()
		if t.Address != "" {
			err = n.ConnectAddress(ctx, t.Node, t.Address)
		} else {
			err = n.Connect(ctx, t.Node)
		}
		if err != nil {
			return nil, none
		}
		all, err := ask(ctx, n, t.Node, args)
		if err != nil {
			return nil, none
		}
		var out []cobra.Completion
		for _, c := range all {
			name, _, _ := strings.Cut(c, "\t")
			if strings.HasPrefix(name, toComplete) && len(out) < maxCompletions {
				out = append(out, c)
			}
		}
		slices.Sort(out)
		return out, none
	}
}

// completionConfig is NodeConfig without side effects or output: the
// cookie comes from --cookie, AVMSH_COOKIE or an existing cookie file
// (none is created), and remote output is discarded.
func (o *NodeOptions) completionConfig(f *Factory, host string) (erlang.Config, error) {
	if o.Cookie == "" && f.Getenv("AVMSH_COOKIE") == "" {
		home, err := f.homeDir()
		if err != nil {
			return erlang.Config{}, err
		}
		if _, err := os.Stat(filepath.Join(home, ".erlang.cookie")); errors.Is(err, fs.ErrNotExist) {
			return erlang.Config{}, err
		}
	}
	cfg, err := o.NodeConfig(f, host, false)
	if err != nil {
		return cfg, err
	}
	cfg.Output, cfg.Input, cfg.Console = io.Discard, nil, nil
	cfg.Logger = nil
	return cfg, nil
}

// atoms are the atoms in a list term.
func atoms(v term.Term) []cobra.Completion {
	var out []cobra.Completion
	forEach(v, func(e term.Term) {
		if a, ok := e.(term.Atom); ok {
			out = append(out, string(a))
		}
	})
	return out
}

// forEach calls fn for each element of a proper list, term.Chars
// included (nothing for other terms).
func forEach(v term.Term, fn func(term.Term)) {
	for _, e := range term.ListElems(v) {
		fn(e)
	}
}

// CompleteFileExt leaves the argument to the shell's file completion,
// showing directories and files ending in .EXT for one of exts.
func CompleteFileExt(exts ...string) Completer {
	return func(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
		return exts, cobra.ShellCompDirectiveFilterFileExt
	}
}

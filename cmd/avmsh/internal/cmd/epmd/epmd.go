package epmdcmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/avmsh/avmsh/cmd/avmsh/internal/cmdutil"
	"github.com/avmsh/avmsh/epmd"
)

// Options are the inputs of one `avmsh epmd` run.
type Options struct {
	Port      int
	Addresses []string
	Loopback  bool
	Relaxed   bool
	Debug     int
	Quiet     bool
	JSONLogs  bool
	MaxConns  int
	MaxNodes  int
	// PacketTimeout is in seconds, like OTP's -packet_timeout.
	PacketTimeout int

	Names bool
	Dump  bool
	Kill  bool
	Stop  string

	Timeout time.Duration
	help    bool
}

// NewCmdEpmd returns the command.
func NewCmdEpmd(f *cmdutil.Factory) *cobra.Command {
	o := &Options{}
	cmd := &cobra.Command{
		Use:   "epmd [flags]",
		Short: "Run an epmd (Erlang port mapper) in the foreground, or query one",
		Long: heredoc.Doc(`
			Run avmsh's epmd, compatible with OTP's, in the foreground until Ctrl-C (or
			an 'epmd -kill'). Erlang nodes (erl, AtomVM, avmsh) register in it and find
			each other through it. By default it listens on all interfaces, IPv4 and
			IPv6, on port ERL_EPMD_PORT or 4369, like OTP's epmd.

			With -names, -dump, -stop NAME or -kill it is a client of the epmd running
			on this host instead, like OTP's epmd binary.

			OTP's single-dash spellings work: -port 4370, -address 10.0.0.1,
			-relaxed_command_check, -names, -kill, -stop NAME, -d/-debug,
			-packet_timeout SECONDS. So do the usual --flag forms, and dashes or
			underscores in names. ERL_EPMD_PORT, ERL_EPMD_ADDRESS and
			ERL_EPMD_RELAXED_COMMAND_CHECK are honoured as by OTP's epmd.

			Exit codes: 0 success (also when stopped by 'epmd -kill'); 1 the epmd
			refused (kill with live nodes, stop without relaxed checking) or the port is
			taken; 2 bad flags; 3 no epmd answers (within --timeout); 130 stopped by a
			signal.
		`),
		Example: heredoc.Doc(`
			$ avmsh epmd                         # serve on port 4369, all interfaces
			$ avmsh epmd -port 4370 -d           # another port, debug logs
			$ avmsh epmd --loopback              # only 127.0.0.1 and ::1
			$ avmsh epmd -address 192.168.1.10   # that address (and loopback)
			$ avmsh epmd -relaxed_command_check  # allow -kill with live nodes, and -stop
			$ avmsh epmd -names                  # list the nodes of the running epmd
			$ avmsh epmd -port 4370 -kill        # stop the epmd on port 4370
		`),
		DisableFlagParsing: true, // OTP's single-dash long flags; see parseArgs
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := parseArgs(cmd.Flags(), args); err != nil {
				return err
			}
			if o.help {
				return cmd.Help()
			}
			return Run(cmd.Context(), f, o, cmd.Flags())
		},
	}
	fs := cmd.Flags()
	fs.SetNormalizeFunc(func(_ *pflag.FlagSet, name string) pflag.NormalizedName {
		return pflag.NormalizedName(strings.ReplaceAll(name, "_", "-"))
	})
	fs.IntVar(&o.Port, "port", 0, "port to serve or query (default ERL_EPMD_PORT or 4369)")
	fs.StringSliceVar(&o.Addresses, "address", nil, "IP addresses to listen on, comma-separated (loopback is always added, as in OTP; default ERL_EPMD_ADDRESS or all interfaces)")
	fs.BoolVar(&o.Loopback, "loopback", false, "listen on 127.0.0.1 and ::1 only")
	fs.BoolVar(&o.Relaxed, "relaxed-command-check", false, "allow -kill while nodes are registered, and -stop (also ERL_EPMD_RELAXED_COMMAND_CHECK)")
	fs.CountVarP(&o.Debug, "debug", "d", "debug logs (every request); structured, on stderr")
	fs.BoolVarP(&o.Quiet, "quiet", "q", false, "log only warnings and errors")
	fs.BoolVar(&o.JSONLogs, "json-logs", false, "write logs as JSON lines")
	fs.IntVar(&o.MaxConns, "max-connections", epmd.DefaultMaxConns, "simultaneous connections, registrations included")
	fs.IntVar(&o.MaxNodes, "max-nodes", epmd.DefaultMaxNodes, "registered nodes")
	fs.IntVar(&o.PacketTimeout, "packet-timeout", int(epmd.DefaultPacketTimeout/time.Second), "seconds a client may take to send its request")
	fs.BoolVar(&o.Names, "names", false, "client: list the names registered in the running epmd")
	fs.BoolVar(&o.Dump, "dump", false, "client: dump the running epmd's tables (debugging)")
	fs.BoolVar(&o.Kill, "kill", false, "client: stop the running epmd")
	fs.StringVar(&o.Stop, "stop", "", "client: forcibly unregister `NAME` (needs -relaxed_command_check on the server)")
	fs.DurationVar(&o.Timeout, "timeout", 10*time.Second, "client: give up after this long")
	fs.BoolVarP(&o.help, "help", "h", false, "help for epmd")
	return cmd
}

// parseArgs parses args after rewriting OTP's single-dash long flags
// ("-port") into pflag's double-dash form.
func parseArgs(fs *pflag.FlagSet, args []string) error {
	norm := make([]string, 0, len(args))
	for i, a := range args {
		if a == "--" {
			norm = append(norm, args[i:]...)
			break
		}
		// "-port", "-relaxed_command_check": OTP's spelling of a long
		// flag. A cluster of known shorthands ("-dd") stays as it is.
		if len(a) > 2 && a[0] == '-' && a[1] != '-' && !shorthands(fs, a[1:]) {
			a = "-" + a
		}
		norm = append(norm, a)
	}
	fs.SetOutput(io.Discard)
	if err := fs.Parse(norm); err != nil {
		return cmdutil.UsageError("%v\nRun 'avmsh epmd --help' for usage.", err)
	}
	if fs.NArg() > 0 {
		return cmdutil.UsageError("unexpected argument %q\nRun 'avmsh epmd --help' for usage.", fs.Arg(0))
	}
	return nil
}

// shorthands reports whether every letter of s is a one-letter flag.
func shorthands(fs *pflag.FlagSet, s string) bool {
	for _, r := range s {
		if r > 127 || fs.ShorthandLookup(string(r)) == nil {
			return false
		}
	}
	return true
}

// Run executes the command.
func Run(ctx context.Context, f *cmdutil.Factory, o *Options, fs *pflag.FlagSet) error {
	if o.Port == 0 {
		p, err := epmd.EnvPort(f.Getenv)
		if err != nil {
			return cmdutil.UsageError("%v", err)
		}
		o.Port = p
	}
	if o.Port < 1 || o.Port > 65535 {
		return cmdutil.UsageError("-port %d: want a TCP port number (1-65535)", o.Port)
	}
	modes := 0
	for _, m := range []bool{o.Names, o.Dump, o.Kill, fs.Changed("stop")} {
		if m {
			modes++
		}
	}
	if modes > 1 {
		return cmdutil.UsageError("give at most one of -names, -dump, -kill and -stop")
	}
	if modes == 1 {
		return runClient(ctx, f, o)
	}
	return runServer(ctx, f, o)
}

func runServer(ctx context.Context, f *cmdutil.Factory, o *Options) error {
	if len(o.Addresses) == 0 && !o.Loopback {
		if env := strings.TrimSpace(f.Getenv("ERL_EPMD_ADDRESS")); env != "" {
			o.Addresses = []string{env}
		}
	}
	if len(o.Addresses) > 0 && o.Loopback {
		return cmdutil.UsageError("give -address or --loopback, not both")
	}
	if f.Getenv("ERL_EPMD_RELAXED_COMMAND_CHECK") != "" {
		o.Relaxed = true
	}
	if o.PacketTimeout < 1 || o.MaxConns < 1 || o.MaxNodes < 1 {
		return cmdutil.UsageError("-packet_timeout, --max-connections and --max-nodes must be at least 1")
	}
	level := slog.LevelInfo
	switch {
	case o.Debug > 0:
		level = slog.LevelDebug
	case o.Quiet:
		level = slog.LevelWarn
	}
	hopts := &slog.HandlerOptions{Level: level}
	var h slog.Handler = slog.NewTextHandler(f.IO.ErrOut, hopts)
	if o.JSONLogs {
		h = slog.NewJSONHandler(f.IO.ErrOut, hopts)
	}
	s := epmd.NewServer(epmd.Config{
		Port:                o.Port,
		Addresses:           o.Addresses,
		LoopbackOnly:        o.Loopback,
		RelaxedCommandCheck: o.Relaxed,
		MaxConns:            o.MaxConns,
		MaxNodes:            o.MaxNodes,
		PacketTimeout:       time.Duration(o.PacketTimeout) * time.Second,
		Logger:              slog.New(h),
	})
	if err := s.Listen(); err != nil {
		return cmdutil.Remote(err)
	}
	if !o.Quiet {
		var addrs []string
		for _, a := range s.Addrs() {
			addrs = append(addrs, a.String())
		}
		fmt.Fprintf(f.IO.ErrOut, "avmsh epmd: serving on %s; Ctrl-C stops it\n", strings.Join(addrs, ", "))
	}
	err := s.Serve(ctx)
	switch {
	case errors.Is(err, epmd.ErrKilled):
		if !o.Quiet {
			fmt.Fprintln(f.IO.ErrOut, "avmsh epmd: stopped by a KILL request (epmd -kill)")
		}
		return nil
	case err != nil:
		return cmdutil.Remote(err)
	case ctx.Err() != nil:
		return &cmdutil.ExitError{Code: cmdutil.ExitInterrupted, Err: ctx.Err(), Silent: true}
	}
	return nil
}

// runClient talks to the epmd on this host, trying 127.0.0.1 and then
// ::1 (OTP's client tries both too).
func runClient(ctx context.Context, f *cmdutil.Factory, o *Options) error {
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	var first error
	for _, host := range []string{"127.0.0.1", "::1"} {
		c := epmd.NewClient(net.JoinHostPort(host, strconv.Itoa(o.Port)))
		err := clientRequest(ctx, f, o, c)
		if !errors.Is(err, epmd.ErrNoEpmd) {
			return err
		}
		if first == nil {
			first = err
		}
	}
	return first
}

func clientRequest(ctx context.Context, f *cmdutil.Factory, o *Options, c *epmd.Client) error {
	wrap := func(err error) error {
		// No epmd, or none answering within --timeout: unreachable, as
		// in every command.
		if errors.Is(err, epmd.ErrNoEpmd) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) {
			return cmdutil.Unreachable(err)
		}
		return cmdutil.Remote(err)
	}
	switch {
	case o.Names:
		r, err := c.Names(ctx)
		if err != nil {
			return wrap(err)
		}
		fmt.Fprintf(f.IO.Out, "epmd: up and running on port %d with data:\n", r.Port)
		_, err = f.IO.Out.Write(r.Text)
		return err
	case o.Dump:
		port, text, err := c.Dump(ctx)
		if err != nil {
			return wrap(err)
		}
		fmt.Fprintf(f.IO.Out, "epmd: up and running on port %d with data:\n%s", port, text)
		return nil
	case o.Kill:
		ok, err := c.Kill(ctx)
		if err != nil {
			return wrap(err)
		}
		if !ok {
			fmt.Fprintln(f.IO.Out, "Killing not allowed - living nodes in database.")
			return &cmdutil.ExitError{Code: cmdutil.ExitRemote, Err: errors.New("epmd refused to stop: nodes are registered (start it with -relaxed_command_check to allow)"), Silent: true}
		}
		fmt.Fprintln(f.IO.Out, "Killed")
		return nil
	default:
		answer, err := c.Stop(ctx, o.Stop)
		if err != nil {
			return wrap(err)
		}
		fmt.Fprintln(f.IO.Out, answer)
		return nil
	}
}

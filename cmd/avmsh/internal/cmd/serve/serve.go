package servecmd

import (
	"context"
	"fmt"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/avmsh/avmsh/cmd/avmsh/internal/cmdutil"
	"github.com/avmsh/avmsh/epmd"
	"github.com/avmsh/avmsh/node/serialdist"
)

// Options are the inputs of one `avmsh serve` run.
type Options struct {
	cmdutil.NodeOptions
	Listen []string
	// Raw prints the boards' console text as it came; by default control
	// characters are shown visibly (devices.AppendVisible).
	Raw bool
}

// NewCmdServe returns the command.
func NewCmdServe(f *cmdutil.Factory) *cobra.Command {
	o := &Options{}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run avmsh's node headless, accepting connections, until interrupted",
		Long: heredoc.Doc(`
			Start the embedded node, listen for distribution on TCP (all interfaces, any
			port, like erl), register with the local epmd (starting an embedded epmd when
			none answers), and serve rpc, ping and messages until Ctrl-C.

			--listen serial:PORT (repeatable) also accepts connections on a serial port,
			AtomVM's serial_dist protocol: a board (or another avmsh) connects to this
			node there. A board addresses the node by its exact name, so give it one it
			knows (--name host@serial.local). The console text of each port (boot logs,
			io:format on the UART) is printed to stderr, prefixed with the port, with
			control characters shown visibly (ESC as ^[, BEL as ^G, bytes that are not
			UTF-8 as \xNN) so that a board or line noise cannot drive the terminal;
			--raw prints the bytes as they came.
		`),
		Example: heredoc.Doc(`
			$ avmsh serve --sname hub --cookie secret
			$ avmsh serve --name hub@192.168.1.10 --visible
			$ avmsh serve --name host@serial.local --cookie AtomVM --listen serial:/dev/ttyUSB0
			$ avmsh serve --listen serial:ttyACM0?baud=921600 --listen serial:ttyUSB1
		`),
		Args: cmdutil.PositionalArgs(0, 0),
		RunE: func(cmd *cobra.Command, args []string) error { return Run(cmd.Context(), f, o) },
	}
	o.AddNodeFlags(cmd.Flags())
	cmd.Flags().StringArrayVar(&o.Listen, "listen", nil, "also accept connections on this serial port (`serial:PORT[?baud=N]`; repeatable)")
	cmd.Flags().BoolVar(&o.Raw, "raw", false, "print the boards' console text as it came, control characters included")
	cmdutil.RegisterSerialPortFlag(cmd, "listen", true)
	return cmd
}

// Run executes the command.
func Run(ctx context.Context, f *cmdutil.Factory, o *Options) error {
	port, err := epmd.EnvPort(f.Getenv)
	if err != nil {
		return cmdutil.UsageError("%v", err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	srv, err := epmd.Ensure(ctx, epmd.Config{Port: port})
	if err != nil {
		return cmdutil.Unreachable(fmt.Errorf("start the embedded epmd on %s: %w", addr, err))
	}
	if srv != nil {
		defer srv.Close()
	}
	for _, l := range o.Listen {
		if !serialdist.IsAddress(l) {
			return cmdutil.UsageError("--listen %q: only serial ports are given this way (serial:/dev/ttyUSB0); TCP always listens", l)
		}
	}
	if o.SName == "" && o.Name == "" {
		o.SName = "avmsh"
	}
	o.RawConsole = o.Raw
	l, err := o.StartNodeFor(ctx, f, nil, true, o.Listen)
	if err != nil {
		return err
	}
	defer l.Stop()
	n := l.Node.Node
	events, unsubscribe := n.Subscribe(64)
	defer unsubscribe()
	where := "an existing epmd"
	if srv != nil {
		where = "its own embedded epmd"
	}
	fmt.Fprintf(f.IO.ErrOut, "avmsh node %s listening on port %d, registered in %s at %s; Ctrl-C to stop\n", n.Name(), n.ListenPort(), where, addr)
	for _, p := range l.Ports() {
		fmt.Fprintf(f.IO.ErrOut, "accepting on serial %s at %d baud (serial peers address this node as %s)\n", p.Name(), p.Options().Baud, n.Name())
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-events:
			if !ok {
				return nil
			}
			if ev.Info.Transport != "serial" {
				continue // TCP peers come and go as with erl
			}
			if ev.Up {
				fmt.Fprintf(f.IO.ErrOut, "nodeup %s over serial %s\n", ev.Node, ev.Info.Remote)
			} else {
				fmt.Fprintf(f.IO.ErrOut, "nodedown %s over serial %s: %s\n", ev.Node, ev.Info.Remote, ev.Reason)
			}
		}
	}
}

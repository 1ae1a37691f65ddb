package root

import (
	"github.com/spf13/cobra"

	devicescmd "github.com/avmsh/avmsh/cmd/avmsh/internal/cmd/devices"
	epmdcmd "github.com/avmsh/avmsh/cmd/avmsh/internal/cmd/epmd"
	evalcmd "github.com/avmsh/avmsh/cmd/avmsh/internal/cmd/eval"
	flashcmd "github.com/avmsh/avmsh/cmd/avmsh/internal/cmd/flash"
	loadcmd "github.com/avmsh/avmsh/cmd/avmsh/internal/cmd/load"
	monitorcmd "github.com/avmsh/avmsh/cmd/avmsh/internal/cmd/monitor"
	namescmd "github.com/avmsh/avmsh/cmd/avmsh/internal/cmd/names"
	nodescmd "github.com/avmsh/avmsh/cmd/avmsh/internal/cmd/nodes"
	packcmd "github.com/avmsh/avmsh/cmd/avmsh/internal/cmd/pack"
	pingcmd "github.com/avmsh/avmsh/cmd/avmsh/internal/cmd/ping"
	plugincmd "github.com/avmsh/avmsh/cmd/avmsh/internal/cmd/plugin"
	rpccmd "github.com/avmsh/avmsh/cmd/avmsh/internal/cmd/rpc"
	sendcmd "github.com/avmsh/avmsh/cmd/avmsh/internal/cmd/send"
	servecmd "github.com/avmsh/avmsh/cmd/avmsh/internal/cmd/serve"
	shellcmd "github.com/avmsh/avmsh/cmd/avmsh/internal/cmd/shell"
	topcmd "github.com/avmsh/avmsh/cmd/avmsh/internal/cmd/top"
	tuicmd "github.com/avmsh/avmsh/cmd/avmsh/internal/cmd/tui"
	"github.com/avmsh/avmsh/cmd/avmsh/internal/cmdutil"
)

// commandList returns the constructor of every subcommand. Add one line
// per command package.
func commandList() []func(*cmdutil.Factory) *cobra.Command {
	return []func(*cmdutil.Factory) *cobra.Command{
		devicescmd.NewCmdDevices,
		monitorcmd.NewCmdMonitor,
		flashcmd.NewCmdFlash,
		tuicmd.NewCmdTUI,
		topcmd.NewCmdTop,
		shellcmd.NewCmdShell,
		evalcmd.NewCmdEval,
		rpccmd.NewCmdRPC,
		sendcmd.NewCmdSend,
		pingcmd.NewCmdPing,
		namescmd.NewCmdNames,
		nodescmd.NewCmdNodes,
		servecmd.NewCmdServe,
		packcmd.NewCmdPack,
		loadcmd.NewCmdLoad,
		epmdcmd.NewCmdEpmd,
		plugincmd.NewCmdPlugin,
	}
}

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

// command is one built-in command: its name, known before it is built
// (see newCmdRootFor), and its constructor.
type command struct {
	name string
	new  func(*cmdutil.Factory) *cobra.Command
	// tree: the command looks at its siblings when it runs (plugin list
	// and new check which names are built in), so it runs in the whole
	// tree.
	tree bool
}

// commands lists every built-in command. Add one line per command
// package; TestCommandNames checks each name against its constructor.
func commands() []command {
	return []command{
		{name: "devices", new: devicescmd.NewCmdDevices},
		{name: "monitor", new: monitorcmd.NewCmdMonitor},
		{name: "flash", new: flashcmd.NewCmdFlash},
		{name: "tui", new: tuicmd.NewCmdTUI},
		{name: "top", new: topcmd.NewCmdTop},
		{name: "shell", new: shellcmd.NewCmdShell},
		{name: "eval", new: evalcmd.NewCmdEval},
		{name: "rpc", new: rpccmd.NewCmdRPC},
		{name: "send", new: sendcmd.NewCmdSend},
		{name: "ping", new: pingcmd.NewCmdPing},
		{name: "names", new: namescmd.NewCmdNames},
		{name: "nodes", new: nodescmd.NewCmdNodes},
		{name: "serve", new: servecmd.NewCmdServe},
		{name: "pack", new: packcmd.NewCmdPack},
		{name: "load", new: loadcmd.NewCmdLoad},
		{name: "epmd", new: epmdcmd.NewCmdEpmd},
		{name: "plugin", new: plugincmd.NewCmdPlugin, tree: true},
	}
}

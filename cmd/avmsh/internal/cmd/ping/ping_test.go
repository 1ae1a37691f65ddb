package pingcmd_test

import (
	"encoding/json"
	"strings"
	"testing"

	pingcmd "github.com/avmsh/avmsh/cmd/avmsh/internal/cmd/ping"
	"github.com/avmsh/avmsh/cmd/avmsh/internal/cmdtest"
	"github.com/avmsh/avmsh/cmd/avmsh/internal/cmdutil"
)

func TestPing(t *testing.T) {
	e := cmdtest.New(t)
	a, b := e.StartPeer(""), e.StartPeer("")
	r := e.Run(pingcmd.NewCmdPing, "", string(a.Name()), string(b.Name()))
	if r.Code != 0 || strings.Count(r.Out, ": pong") != 2 {
		t.Fatalf("ping: %+v", r)
	}
	r = e.Run(pingcmd.NewCmdPing, "", string(a.Name()), "nobody@127.0.0.1", "-o", "json")
	var res []struct{ Node, Result, Error string }
	if err := json.Unmarshal([]byte(r.Out), &res); err != nil || r.Code != cmdutil.ExitUnreachable ||
		len(res) != 2 || res[0].Result != "pong" || res[1].Result != "pang" || !strings.Contains(res[1].Error, "avmsh names") {
		t.Fatalf("ping -o json: %+v %v", r, err)
	}
	// Connected, but no answer within --timeout: pang (3), like any
	// node that does not answer.
	b.MuteNetKernel(t)
	r = e.Run(pingcmd.NewCmdPing, "", string(b.Name()), "--timeout", "300ms")
	if r.Code != cmdutil.ExitUnreachable || !strings.Contains(r.Out, "pang") {
		t.Fatalf("ping a mute node: %+v", r)
	}
	r = e.Run(pingcmd.NewCmdPing, "")
	if r.Code != cmdutil.ExitUsage || !strings.Contains(r.Err, "ping: missing NODE") {
		t.Fatalf("ping without NODE: %+v", r)
	}
	// --sname decides our own name; the cookie comes from the
	// environment.
	e.Run(pingcmd.NewCmdPing, "", string(a.Name()), "--name", "pinger@127.0.0.1")
	cfgs := e.Configs()
	if got := cfgs[len(cfgs)-1]; got.Name != "pinger@127.0.0.1" || got.Cookie != e.Cookie() {
		t.Fatalf("resolved config: %+v", got)
	}
}

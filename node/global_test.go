package node

import (
	"fmt"
	"testing"
	"time"
)

// TestVisibleNodeAndGlobal: a visible avmsh node is listed in nodes() and
// BEAM's global neither hangs (global:sync/0 returns) nor drops us.
func TestVisibleNodeAndGlobal(t *testing.T) {
	e, n := interop(t, func(c *Config) { c.Visible = true })
	if got := e.Eval(t, fmt.Sprintf("net_adm:ping('%s')", n.Name())); got != "pong" {
		t.Fatalf("ping: %s", got)
	}
	if got := e.Eval(t, "nodes()"); got != fmt.Sprintf("['%s']", n.Name()) {
		t.Fatalf("nodes() = %s", got)
	}
	got := e.Eval(t, "Self = self(), spawn(fun() -> Self ! {sync, global:sync()} end), receive {sync, S} -> S after "+erlAfter()+" -> sync_hangs end")
	if got != "ok" {
		t.Fatalf("global:sync() = %s", got)
	}
	if got := e.Eval(t, "global:register_name(avmsh_test_name, self())"); got != "yes" {
		t.Fatalf("register_name = %s", got)
	}
	time.Sleep(2 * time.Second)
	if got := e.Eval(t, "nodes()"); got != fmt.Sprintf("['%s']", n.Name()) {
		t.Fatalf("dropped: nodes() = %s", got)
	}
}

//go:build !windows

package devices

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/avmsh/avmsh/node"
	"github.com/avmsh/avmsh/node/rpc"
	"github.com/avmsh/avmsh/node/serialdist/serialtest"
	"github.com/avmsh/avmsh/node/serialnode"
)

// serveOn runs what `avmsh serve --listen serial:PATH` runs: a node
// accepting on the port and answering RPCs.
func serveOn(t *testing.T, path, cookie string) *serialnode.Node {
	t.Helper()
	n, err := serialnode.Start(context.Background(), serialnode.Config{
		Node:   node.Config{Name: "srv@serial.local", Cookie: cookie, ListenAddr: "-", Logger: slog.New(slog.DiscardHandler)},
		Listen: []string{"serial:" + path},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(n.Stop)
	reg := rpc.NewRegistry()
	rpc.RegisterBuiltins(reg, "9.9-test")
	if err := rpc.Serve(n.Node, reg); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestDeepProbe(t *testing.T) {
	pa, pb := serialtest.SocatPair(t)
	srv := serveOn(t, pa, "probe-cookie")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	r := Probe(ctx, pb, ProbeOptions{Deep: NodeProbe(DeepConfig{Cookie: "probe-cookie"})})
	if !r.Answered || r.Node == nil || r.DeepError != "" {
		t.Fatalf("probe: %+v (node %+v)", r, r.Node)
	}
	if r.Node.Name != string(srv.Name()) || r.Node.Machine != "AVMSH" || r.Node.Version != "9.9-test" {
		t.Fatalf("node info: %+v", *r.Node)
	}
	if got := r.Summary(); got != "srv@serial.local (avmsh 9.9-test)" {
		t.Fatalf("summary %q", got)
	}
	// The probe's connection was torn down: the port is free for the
	// next one, and the server saw the probe come and go.
	if nodes := srv.Nodes(); len(nodes) != 0 {
		deadline := time.Now().Add(5 * time.Second)
		for len(srv.Nodes()) != 0 && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		if len(srv.Nodes()) != 0 {
			t.Fatalf("the probe's connection is still up: %+v", srv.Nodes())
		}
	}

	// A wrong cookie: the listening probe still finds the node, the deep
	// probe says why it could not say more.
	r = Probe(ctx, pb, ProbeOptions{Deep: NodeProbe(DeepConfig{Cookie: "wrong"})})
	if !r.Answered || r.Node != nil || !strings.Contains(r.DeepError, "cookies differ") {
		t.Fatalf("wrong cookie: %+v", r)
	}
	if r.Summary() != "serial_dist node (idle)" {
		t.Fatalf("summary %q", r.Summary())
	}

	// List with explicit paths probes ports the enumerator does not know.
	devs, err := List(ctx, ListOptions{Probe: true, Paths: []string{pb, "/dev/no-such-port"},
		ProbeOptions: ProbeOptions{Deep: NodeProbe(DeepConfig{Cookie: "probe-cookie"})}})
	if err != nil {
		t.Fatal(err)
	}
	if len(devs) != 2 || devs[0].Path != pb || devs[0].AtomVM == nil || devs[0].AtomVM.Node == nil || devs[0].AtomVM.Node.Machine != "AVMSH" {
		t.Fatalf("list: %+v", devs)
	}
	if d := devs[1]; d.AtomVM == nil || !strings.Contains(d.AtomVM.Error, "not found") || !strings.Contains(d.AccessDetail, "no such device") {
		t.Fatalf("missing port: %+v %+v", d, d.AtomVM)
	}
}

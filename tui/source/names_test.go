//go:build !windows

package source_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/avmsh/avmsh/internal/erltest"
	"github.com/avmsh/avmsh/tui/source"
)

// nameModes starts a -sname and a -name erl node in one private epmd.
func nameModes(t *testing.T) (short, long *erltest.Node) {
	t.Helper()
	ep := erltest.StartEpmd(t)
	cookie := erltest.RandomName("c")
	short = erltest.Start(t, erltest.Options{ShortNames: true, EpmdPort: ep.Port, Cookie: cookie})
	long = erltest.Start(t, erltest.Options{EpmdPort: ep.Port, Cookie: cookie})
	return short, long
}

func rowNamed(rows []source.NodeRow, name string) *source.NodeRow {
	for i := range rows {
		if string(rows[i].Name) == name {
			return &rows[i]
		}
	}
	return nil
}

func alive(name string) string { a, _, _ := strings.Cut(name, "@"); return a }

// TestClusterNameModes (defect 19): a long-name dashboard lists a
// -sname node under its real name, marked unreachable, never under a
// name made of its epmd name and the dashboard's host; the -name node
// next to it is connected. Without auto-connect the -sname node shows
// as epmd lists it until a connection attempt tells its name.
func TestClusterNameModes(t *testing.T) {
	short, long := nameModes(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	l := newLive(t, erltest.RandomName("tui")+"@127.0.0.1", long, true)
	rows, err := l.Cluster(ctx)
	if err != nil {
		t.Fatal(err)
	}
	invented := alive(short.Name) + "@127.0.0.1"
	if r := rowNamed(rows, invented); r != nil {
		t.Fatalf("the -sname node is listed under an invented name %s: %+v", invented, rows)
	}
	r := rowNamed(rows, short.Name)
	if r == nil || r.State != source.StateUnreachable || !strings.Contains(r.Err, "short-name") {
		t.Fatalf("the -sname node %s should be listed as it is, unreachable: %+v", short.Name, rows)
	}
	if r := rowNamed(rows, long.Name); r == nil || r.State != source.StateUp {
		t.Fatalf("the -name node %s should be up: %+v", long.Name, rows)
	}
	if n := len(rows); n != 3 { // the local node, the two erl nodes
		t.Fatalf("%d rows, want 3: %+v", n, rows)
	}
	if _, err := l.Connect(ctx, alive(short.Name)); err == nil || !strings.Contains(err.Error(), "short-name") {
		t.Fatalf("connect to the -sname node by its epmd name: %v", err)
	}

	// Without auto-connect: the epmd name, then the real one once a
	// connection attempt told it.
	l2 := newLive(t, erltest.RandomName("tui")+"@127.0.0.1", long, false)
	rows, err = l2.Cluster(ctx)
	if err != nil {
		t.Fatal(err)
	}
	r = rowNamed(rows, alive(short.Name))
	if r == nil || r.State != source.StateSeen || r.Dial != alive(short.Name) || rowNamed(rows, invented) != nil {
		t.Fatalf("without auto-connect the -sname node should show as epmd lists it: %+v", rows)
	}
	if _, err := l2.Connect(ctx, r.Dial); err == nil || !strings.Contains(err.Error(), "short-name") {
		t.Fatalf("connect %s: %v", r.Dial, err)
	}
	if rows, err = l2.Cluster(ctx); err != nil {
		t.Fatal(err)
	}
	if r := rowNamed(rows, short.Name); r == nil || r.State != source.StateUnreachable {
		t.Fatalf("after the attempt the -sname node should show as it is: %+v", rows)
	}
}

// TestClusterNameModesShort is the reverse: a short-name dashboard
// marks the -name node unreachable and connects to the -sname one.
func TestClusterNameModesShort(t *testing.T) {
	short, long := nameModes(t)
	host, err := os.Hostname()
	if err != nil {
		t.Skip("no host name")
	}
	host, _, _ = strings.Cut(host, ".")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	l := newLive(t, erltest.RandomName("tui")+"@"+host, long, true)
	rows, err := l.Cluster(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if r := rowNamed(rows, long.Name); r == nil || r.State != source.StateUnreachable || !strings.Contains(r.Err, "long-name") {
		t.Fatalf("the -name node %s should be unreachable: %+v", long.Name, rows)
	}
	if r := rowNamed(rows, short.Name); r == nil || r.State != source.StateUp {
		t.Fatalf("the -sname node %s should be up: %+v", short.Name, rows)
	}
	if rowNamed(rows, alive(long.Name)+"@"+host) != nil {
		t.Fatalf("invented name for the -name node: %+v", rows)
	}
}

//go:build !windows

package root

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/avmsh/avmsh/node"
	"github.com/avmsh/avmsh/node/rpc"
	"github.com/avmsh/avmsh/node/serialdist"
	"github.com/avmsh/avmsh/node/serialdist/serialtest"
	"github.com/avmsh/avmsh/node/serialnode"
)

// TestTopOverSerial: `avmsh top serial:PORT` reads a node on the other
// end of a pty pair, and the crash dumps the board prints on the same
// line (between distribution frames) are counted in the frames, not
// printed; the dumps of erpc calls are left out.
func TestTopOverSerial(t *testing.T) {
	pa, pb := serialtest.SocatPair(t)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	board, err := serialnode.Start(context.Background(), serialnode.Config{
		Node:   node.Config{Name: "board@serial.local", Cookie: "c", ListenAddr: "-", Logger: quiet},
		Listen: []string{"serial:" + pb},
		Port:   serialdist.PortConfig{Logger: quiet},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(board.Stop)
	reg := rpc.NewRegistry()
	rpc.RegisterBuiltins(reg, "board")
	if err := rpc.Serve(board.Node, reg); err != nil {
		t.Fatal(err)
	}
	crash, err := os.ReadFile(filepath.Join("..", "..", "..", "..", "devices", "crashlog", "testdata", "badarg.txt"))
	if err != nil {
		t.Fatal(err)
	}
	erpcDump, err := os.ReadFile(filepath.Join("..", "..", "..", "..", "devices", "crashlog", "testdata", "erpc_return.txt"))
	if err != nil {
		t.Fatal(err)
	}
	// The board prints a crash dump and an erpc dump every 100 ms while
	// top runs.
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			if p := board.Ports(); len(p) > 0 {
				_, _ = p[0].Write(crash)
				_, _ = p[0].Write(erpcDump)
			}
			select {
			case <-ctx.Done():
			case <-time.After(100 * time.Millisecond):
			}
		}
	}()
	r := avmsh(t, nil, "", "top", "serial:"+pa, "--cookie", "c", "-o", "json", "--count", "3", "-i", "400ms", "--sort", "memory")
	cancel()
	<-done
	frames := topFrames(t, r)
	if len(frames) != 3 || frames[0].Node != "board@serial.local" || frames[0].Kind != "avmsh" || len(frames[0].Rows) == 0 {
		t.Fatalf("frames: %+v\nstderr: %s", frames, r.err)
	}
	crashes := 0
	for _, l := range strings.Split(strings.TrimSpace(r.out), "\n") {
		var f struct {
			Crashes []struct {
				Node, Pid, Class, Reason string
				ERPC                     bool
			} `json:"crashes"`
		}
		if err := json.Unmarshal([]byte(l), &f); err != nil {
			t.Fatal(err)
		}
		for _, c := range f.Crashes {
			if c.Node != "board@serial.local" || c.Pid != "<0.42.0>" || c.Class != "error" || c.ERPC {
				t.Errorf("crash: %+v", c)
			}
			crashes++
		}
	}
	if crashes == 0 {
		t.Errorf("no crash reported in %d frames", len(frames))
	}
	if strings.Contains(r.err, "CRASH") || strings.Contains(r.err, "End Of Crash Report") {
		t.Errorf("the board's console reached stderr:\n%s", r.err)
	}
}

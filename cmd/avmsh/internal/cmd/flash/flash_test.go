//go:build !windows

package flashcmd

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/avmsh/avmsh/cmd/avmsh/internal/cmdutil"
	"github.com/avmsh/avmsh/devices"
	"github.com/avmsh/avmsh/devices/espflash"
	"github.com/avmsh/avmsh/internal/espsim"
)

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// runCmd runs `avmsh flash args...` with buffers for streams.
func runCmd(t *testing.T, ctx context.Context, prep func(*Options), in string, args ...string) (string, string, error) {
	t.Helper()
	out, errOut := &syncBuf{}, &syncBuf{}
	err := runWith(ctx, out, errOut, prep, in, args...)
	return out.String(), errOut.String(), err
}

func runWith(ctx context.Context, out, errOut io.Writer, prep func(*Options), in string, args ...string) error {
	// The environment is empty but for the state directory: TestMain
	// and tests of the fleet record set it.
	getenv := func(k string) string {
		if k == "XDG_STATE_HOME" {
			return os.Getenv(k)
		}
		return ""
	}
	f := &cmdutil.Factory{IO: &cmdutil.IOStreams{In: strings.NewReader(in), Out: out, ErrOut: errOut}, Getenv: getenv}
	cmd := newCmd(f, func(o *Options) {
		o.List = func(context.Context, devices.ListOptions) ([]devices.Device, error) { return nil, nil }
		if prep != nil {
			prep(o)
		}
	})
	cmd.SetArgs(args)
	cmd.SetOut(out)
	cmd.SetErr(errOut)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	return cmd.ExecuteContext(ctx)
}

func writeAVM(t *testing.T, n int, seed uint64) (string, []byte) {
	t.Helper()
	b := make([]byte, n)
	r := rand.New(rand.NewPCG(seed, 1))
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	copy(b, espflash.AVMHeader)
	path := filepath.Join(t.TempDir(), "app.avm")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path, b
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func simOnPTY(t *testing.T, cfg espsim.Config) (*espsim.Sim, string) {
	t.Helper()
	cfg.InLoader = true // a pty has no modem lines to get it there
	s, err := espsim.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s, espsim.ServePTY(t, s)
}

// avmsh flash onto the simulated ESP32-S3 behind a pty: bytes at the
// partition offset equal the file, MD5 verified, JSON result.
func TestFlashOntoSimulatorOverPTY(t *testing.T) {
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	s, pty := simOnPTY(t, espsim.Config{Chip: "ESP32-S3"})
	path, app := writeAVM(t, 150_000, 1)
	out, errOut, err := runCmd(t, testCtx(t), nil, "", pty, path, "--baud", "921600", "-o", "json")
	if err != nil {
		t.Fatalf("%v\nstderr:\n%s", err, errOut)
	}
	var res jsonResult
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v in %q", err, out)
	}
	if !bytes.Equal(s.Flash(0x250000, len(app)), app) {
		t.Fatal("flash at 0x250000 differs from the file")
	}
	if res.Chip != "ESP32-S3" || res.Partition == nil || res.Partition.Offset != 0x250000 || res.BytesWritten != 37*4096 || res.BytesSkipped != 0 || !res.Verified || res.Started != "reboot command" || res.Seconds <= 0 {
		t.Errorf("result %s", out)
	}
	for _, want := range []string{"Chip is ESP32-S3", "Flasher stub running", "Changed to 921600 baud", "Partition main.avm (data) at 0x250000", "Writing main.avm:  50%", "Verifying main.avm"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	// Again, text output: nothing to write.
	out, _, err = runCmd(t, testCtx(t), nil, "", pty, path)
	if err == nil {
		// The simulator rebooted into its app after the first run: without
		// modem lines nothing brings it back into its loader.
		t.Fatalf("a board running its app synced: %s", out)
	}
	if cmdutil.ExitCode(err) != cmdutil.ExitUnreachable || !strings.Contains(err.Error(), pty+": sync") {
		t.Errorf("exit %d: %v", cmdutil.ExitCode(err), err)
	}
}

func TestFlashMonitorAfter(t *testing.T) {
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	_, pty := simOnPTY(t, espsim.Config{Chip: "ESP32", App: func(ctx context.Context, rw io.ReadWriter) {
		tk := time.NewTicker(100 * time.Millisecond)
		defer tk.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tk.C:
				if _, err := rw.Write([]byte("hello from main.avm\r\n")); err != nil {
					return
				}
			}
		}
	}})
	path, _ := writeAVM(t, 5000, 2)
	ctx, cancel := context.WithCancel(testCtx(t))
	defer cancel()
	out, errOut := &syncBuf{}, &syncBuf{}
	done := make(chan error, 1)
	go func() { done <- runWith(ctx, out, errOut, nil, "", pty, path, "--monitor", "--before", "no-reset") }()
	deadline := time.Now().Add(60 * time.Second)
	for !strings.Contains(out.String(), "hello from main.avm") {
		if time.Now().After(deadline) {
			t.Fatalf("the console never showed the app:\nstdout %q\nstderr %q", out.String(), errOut.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if err := <-done; cmdutil.ExitCode(err) != cmdutil.ExitInterrupted {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "MD5") || !strings.Contains(errOut.String(), "avmsh monitor on "+pty) {
		t.Errorf("stdout %q\nstderr %q", out.String(), errOut.String())
	}
	// The board's boot log, which the flasher read while it still held
	// the port, is shown once, before the application's output (it was
	// lost).
	o := out.String()
	boot := strings.Index(o, "I (412) AtomVM: Starting main.avm...")
	if boot < 0 || boot > strings.Index(o, "hello from main.avm") || strings.Count(o, "2nd stage bootloader") != 1 {
		t.Errorf("the boot log is missing, late or repeated:\n%s", o)
	}
}

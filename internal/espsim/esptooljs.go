package espsim

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/avmsh/avmsh/internal/erltest"
)

// EsptoolJSVersion is the esptool-js the harness pins (package.json and
// package-lock.json in testdata/esptooljs).
const EsptoolJSVersion = "0.7.0"

var npmOnce sync.Mutex

// EsptoolJSDir returns the directory of the Node harness that runs
// Espressif's esptool-js, running `npm ci` there first if node_modules
// is missing. Without node or npm the test is skipped, or fails under
// CI=true.
func EsptoolJSDir(tb testing.TB) string {
	tb.Helper()
	erltest.RequireProgram(tb, "node")
	erltest.RequireProgram(tb, "npm")
	dir, err := EnsureEsptoolJS()
	if err != nil {
		tb.Fatal(err)
	}
	return dir
}

// EnsureEsptoolJS returns the harness directory, running `npm ci` there
// if node_modules is missing (bench programs use it directly).
func EnsureEsptoolJS() (string, error) {
	_, file, _, _ := runtime.Caller(0)
	dir := filepath.Join(filepath.Dir(file), "testdata", "esptooljs")
	npmOnce.Lock()
	defer npmOnce.Unlock()
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "esptool-js", "package.json")); err != nil {
		cmd := exec.Command("npm", "ci", "--no-audit", "--no-fund", "--loglevel=error")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			return "", fmt.Errorf("npm ci in %s: %v\n%s", dir, err, out)
		}
	}
	return dir, nil
}

// EsptoolJSResult is what the harness prints.
type EsptoolJSResult struct {
	Chip     string  `json:"chip"`     // esptool-js's chip description
	ChipName string  `json:"chipName"` // its chip family name
	MD5      string  `json:"md5"`      // flashMd5sum after the write
	Seconds  float64 `json:"seconds"`  // connect, write and verify
}

// RunEsptoolJS flashes image at address through esptool-js on the
// device at port (no reset: the board is in its loader) at baud, and
// verifies it with esptool-js's MD5. Wall is the whole run, including
// Node's start.
func RunEsptoolJS(ctx context.Context, dir, port, image string, address uint32, baud int) (res EsptoolJSResult, wall time.Duration, err error) {
	cmd := exec.CommandContext(ctx, "node", "flash.mjs", "--port", port, "--image", image,
		"--address", "0x"+strconv.FormatUint(uint64(address), 16), "--baud", strconv.Itoa(baud))
	cmd.Dir = dir
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	start := time.Now()
	err = cmd.Run()
	wall = time.Since(start)
	if err != nil {
		return res, wall, fmt.Errorf("esptool-js: %v\n%s", err, errOut.String())
	}
	// esptool-js traces to stdout too: the result is the marked line.
	for _, l := range bytes.Split(out.Bytes(), []byte("\n")) {
		if j, ok := bytes.CutPrefix(l, []byte("AVMSH_RESULT ")); ok {
			if err := json.Unmarshal(j, &res); err != nil {
				return res, wall, fmt.Errorf("esptool-js printed %q: %v", l, err)
			}
			return res, wall, nil
		}
	}
	return res, wall, fmt.Errorf("esptool-js printed no result:\n%s\n%s", out.String(), errOut.String())
}

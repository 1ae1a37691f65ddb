//go:build linux || darwin

package serialdist

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.bug.st/serial"
)

func TestExplainOpenError(t *testing.T) {
	dir := t.TempDir()
	dev := filepath.Join(dir, "ttyFAKE0")
	if err := os.WriteFile(dev, nil, 0o660); err != nil {
		t.Fatal(err)
	}
	var st syscall.Stat_t
	if err := syscall.Stat(dev, &st); err != nil {
		t.Fatal(err)
	}
	group := "gid " + strconv.Itoa(int(st.Gid))
	if g, err := user.LookupGroupId(strconv.Itoa(int(st.Gid))); err == nil {
		group = g.Name
	}
	if err := explainOpenError(dev, &serial.PortError{}); !errors.Is(err, ErrPortBusy) { // code 0: busy
		t.Fatalf("busy: %v", err)
	}
	cases := []struct {
		in   error
		is   error
		frag string
	}{
		{os.ErrPermission, ErrPermission, "usermod -aG " + group},
		{os.ErrNotExist, ErrPortNotFound, "is the board plugged in?"},
	}
	for _, tc := range cases {
		err := explainOpenError(dev, tc.in)
		if !errors.Is(err, tc.is) || !strings.Contains(err.Error(), tc.frag) || !strings.Contains(err.Error(), dev) || strings.Contains(err.Error(), "avmsh ") {
			t.Errorf("%v: %v", tc.in, err)
		}
	}
	// A device whose group may not read and write it.
	os.Chmod(dev, 0o600)
	if msg := PermissionAdvice(dev); !strings.Contains(msg, "not readable and writable by its group") {
		t.Errorf("advice %q", msg)
	}
	if msg := busyAdvice("/dev/ttyNOBODY"); !strings.Contains(msg, "close it") {
		t.Errorf("busy advice %q", msg)
	}
}

func TestHoldersNamesProcesses(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "tty")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	// Our own process is left out; nobody else holds the file.
	if hs := Holders(f.Name()); len(hs) != 0 {
		t.Fatalf("holders %v", hs)
	}
	if runtime.GOOS != "linux" {
		return
	}
	cmd := exec.Command("sh", "-c", "exec sleep 30 < "+f.Name())
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	want := fmt.Sprintf("sleep (pid %d)", cmd.Process.Pid)
	deadline := time.Now().Add(5 * time.Second)
	for {
		hs := Holders(f.Name())
		if len(hs) == 1 && hs[0] == want {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("holders %v, want [%s]", hs, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if msg := busyAdvice(f.Name()); !strings.Contains(msg, want) {
		t.Fatalf("busy advice %q", msg)
	}
}

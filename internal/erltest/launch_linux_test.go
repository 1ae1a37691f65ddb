package erltest

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// children lists the pids whose parent is this process (from /proc).
func children(t *testing.T) map[int]bool {
	t.Helper()
	stats, err := filepath.Glob("/proc/[0-9]*/stat")
	if err != nil {
		t.Fatal(err)
	}
	me := os.Getpid()
	out := map[int]bool{}
	for _, p := range stats {
		b, err := os.ReadFile(p)
		if err != nil {
			continue // gone meanwhile
		}
		// pid (comm) state ppid ...; comm may hold spaces.
		s := string(b)
		f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(f) > 1 && f[1] == strconv.Itoa(me) {
			pid, _ := strconv.Atoi(strings.Fields(s)[0])
			out[pid] = true
		}
	}
	return out
}

// TestFailedLaunchCleansUp: a node that does not start in time is killed
// with its private epmd (a failed Launch used to return before cleaning
// up, leaving both running, and raced with its reader goroutine).
func TestFailedLaunchCleansUp(t *testing.T) {
	Require(t)
	before := children(t)
	_, err := Launch(context.Background(), Options{StartTimeout: time.Millisecond})
	if err == nil || !strings.Contains(err.Error(), "not ready") {
		t.Fatalf("Launch with a 1 ms start timeout: %v", err)
	}
	deadline := time.Now().Add(Timeout(10 * time.Second))
	for {
		var left []int
		for pid := range children(t) {
			if !before[pid] {
				left = append(left, pid)
			}
		}
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("processes left running after a failed Launch: %v", left)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

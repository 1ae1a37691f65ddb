package flashprogress

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/avmsh/avmsh/devices/espflash"
)

func TestProgressLines(t *testing.T) {
	var b bytes.Buffer
	p := New(&b, false)
	p.Update(espflash.Progress{Region: "main.avm", Phase: "compare", Total: 100 << 10})
	for d := int64(0); d <= 100<<10; d += 4 << 10 {
		p.Update(espflash.Progress{Region: "main.avm", Phase: "write", Done: d, Total: 100 << 10})
	}
	p.Update(espflash.Progress{Region: "main.avm", Phase: "write", Done: 100 << 10, Total: 100 << 10})
	p.Update(espflash.Progress{Region: "main.avm", Phase: "verify", Total: 100 << 10})
	out := b.String()
	if n := strings.Count(out, "Writing main.avm:"); n != 11 {
		t.Errorf("%d write lines, want one per 10%% (0..100):\n%s", n, out)
	}
	for _, want := range []string{"Comparing main.avm", "Writing main.avm:  50% (52.0 KiB of 100.0 KiB)", "Writing main.avm: 100%", "Verifying main.avm"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in:\n%s", want, out)
		}
	}
}

func TestProgressBar(t *testing.T) {
	var b bytes.Buffer
	p := New(&b, true)
	now := time.Unix(0, 0)
	p.now = func() time.Time { return now }
	p.Update(espflash.Progress{Region: "main.avm", Phase: "write", Done: 0, Total: 1 << 20})
	now = now.Add(2 * time.Second)
	p.Update(espflash.Progress{Region: "main.avm", Phase: "write", Done: 256 << 10, Total: 1 << 20})
	p.Log("a message")
	now = now.Add(6 * time.Second)
	p.Update(espflash.Progress{Region: "main.avm", Phase: "write", Done: 1 << 20, Total: 1 << 20})
	out := b.String()
	for _, want := range []string{"\rWriting main.avm [=======", " 25% 256.0 KiB/1.0 MiB 128.0 KiB/s ETA 6s", "\ra message\n", "100% 1.0 MiB/1.0 MiB", "ETA done\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in %q", want, out)
		}
	}
	if strings.Contains(out, "\x1b") {
		t.Error("escape sequences in the bar (it must work on dumb terminals)")
	}
}

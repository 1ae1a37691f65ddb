package crashlog

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// ReportInfo is context a report adds to the event: what ran where.
type ReportInfo struct {
	Avmsh  string // avmsh version
	AtomVM string // the board's AtomVM version, when known
	Board  string // chip or board name, when known
	App    string // the .avm running, when known
}

// Report renders an event as Markdown ready to paste into an issue: a
// summary, the stack trace as a list, and the dump as printed in a
// fenced block.
func Report(e Event, info ReportInfo) string {
	var b strings.Builder
	where := e.Node
	if where == "" {
		where = "an AtomVM board"
	}
	if e.Port != "" {
		where += " (" + e.Port + ")"
	}
	title, dump := "AtomVM crash", "Crash dump as printed on the console"
	if e.Via == ViaMonitor {
		title, dump = "Process exit", "Exit message as received (through a monitor or a link)"
	}
	fmt.Fprintf(&b, "### %s on %s\n\n", title, where)
	item := func(k, v string) {
		if v != "" {
			fmt.Fprintf(&b, "- **%s**: %s\n", k, inline(v))
		}
	}
	if !e.At.IsZero() {
		item("when", e.At.UTC().Format(time.RFC3339))
	}
	item("process", e.Pid)
	item("class", e.Class)
	item("reason", e.Reason)
	item("AtomVM", info.AtomVM)
	item("board", info.Board)
	item("application", info.App)
	if e.ERPC {
		b.WriteString("- this process ran an erpc call (erpc:execute_call/4); its exit carries the call's result\n")
	}
	if e.Truncated {
		b.WriteString("- **the dump is incomplete** (interrupted, or longer than avmsh keeps)\n")
	}
	if len(e.Frames) > 0 {
		b.WriteString("\nStack trace:\n\n")
		for _, f := range e.Frames {
			fmt.Fprintf(&b, "1. `%s`\n", f)
		}
	} else if e.Stacktrace != "" {
		fmt.Fprintf(&b, "\nStack trace: %s\n", inline(e.Stacktrace))
	}
	fence := fenceFor(e.Raw)
	fmt.Fprintf(&b, "\n<details><summary>%s</summary>\n\n%stext\n%s", dump, fence, e.Raw)
	if !strings.HasSuffix(e.Raw, "\n") {
		b.WriteByte('\n')
	}
	fmt.Fprintf(&b, "%s\n\n</details>\n", fence)
	if info.Avmsh != "" {
		fmt.Fprintf(&b, "\n<sub>Reported by avmsh %s</sub>\n", info.Avmsh)
	}
	return b.String()
}

// inline quotes a term as Markdown code.
func inline(s string) string {
	fence := "`"
	for strings.Contains(s, fence) {
		fence += "`"
	}
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		return fence + " " + s + " " + fence
	}
	return fence + s + fence
}

// fenceFor is a code fence longer than any run of backticks in s.
func fenceFor(s string) string {
	longest, run := 0, 0
	for _, c := range s {
		if c == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	return strings.Repeat("`", max(3, longest+1))
}

// WriteReport writes Report(e, info) to a new file in dir named after
// the node and the time, and returns its path. It never overwrites a
// file.
func WriteReport(dir string, e Event, info ReportInfo) (string, error) {
	node := e.Node
	if node == "" {
		node = "board"
	}
	node = strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == ':' || r < ' ' {
			return '_'
		}
		return r
	}, node)
	at := e.At
	if at.IsZero() {
		at = time.Now()
	}
	base := fmt.Sprintf("crash-%s-%s", node, at.UTC().Format("20060102T150405Z"))
	for i := 0; i < 100; i++ {
		name := base + ".md"
		if i > 0 {
			name = fmt.Sprintf("%s-%d.md", base, i)
		}
		path := filepath.Join(dir, name)
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if errors.Is(err, os.ErrExist) {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("save the crash report in %s: %w", dir, err)
		}
		_, err = f.WriteString(Report(e, info))
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(path)
			return "", fmt.Errorf("write the crash report %s: %w", path, err)
		}
		return path, nil
	}
	return "", fmt.Errorf("save the crash report in %s: too many reports named %s*", dir, base)
}

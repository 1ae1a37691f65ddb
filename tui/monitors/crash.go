package monitors

import (
	"fmt"
	"path/filepath"
	"strings"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/avmsh/avmsh/devices"
	"github.com/avmsh/avmsh/devices/crashlog"
	"github.com/avmsh/avmsh/tui/theme"
	"github.com/avmsh/avmsh/tui/view"
)

// Crash events: dumps boards printed on their consoles (parsed by
// devices/crashlog) and process exits seen through monitors, shown in
// full with enter and saved as reports with s.

// crashToSave is the selected event's crash, else the newest crash
// listed.
func (m *Model) crashToSave() (crashlog.Event, bool) {
	if e, ok := m.selected(); ok && e.Crash != nil {
		return *e.Crash, true
	}
	v := m.visible()
	for i := len(v) - 1; i >= 0; i-- {
		if v[i].Crash != nil {
			return *v[i].Crash, true
		}
	}
	return crashlog.Event{}, false
}

// save writes the crash's report (crashlog.WriteReport, never over an
// existing file) and says where.
func (m *Model) save(c crashlog.Event) tea.Cmd {
	dir, info := m.ReportDir, m.ReportInfo
	return func() tea.Msg {
		if dir == "" {
			dir = "."
		}
		path, err := crashlog.WriteReport(dir, c, info)
		if err != nil {
			return view.StatusMsg("save the report: " + err.Error())
		}
		if abs, err := filepath.Abs(path); err == nil {
			path = abs
		}
		return view.StatusMsg("crash report saved: " + path)
	}
}

// crashView shows the opened crash: its summary, the stack trace's
// frames, and the dump or message as received.
func (m *Model) crashView() string {
	c := m.open
	var lines []string
	where := c.Node
	if c.Port != "" {
		where = strings.TrimSpace(where + " (" + c.Port + ")")
	}
	where = devices.Visible(where)
	title := "crash dump on " + where
	if c.Via == crashlog.ViaMonitor {
		title = "process exit on " + where + ", seen through a monitor"
	}
	lines = append(lines, m.th.Header.Render(title)+m.th.Dim.Render("  (s saves a report, esc: back)"))
	add := func(k, v string) {
		if v != "" {
			lines = append(lines, fmt.Sprintf("  %-8s %s", k, devices.Visible(v)))
		}
	}
	add("when", c.At.Format("2006-01-02 15:04:05"))
	add("pid", c.Pid)
	add("class", c.Class)
	add("reason", c.Reason)
	if c.Truncated {
		lines = append(lines, m.th.Warn.Render("  the dump is incomplete (interrupted, or longer than avmsh keeps)"))
	}
	if len(c.Frames) > 0 {
		lines = append(lines, "  stack:")
		for _, f := range c.Frames {
			lines = append(lines, "    "+devices.Visible(f.String()))
		}
	} else if c.Stacktrace != "" {
		add("stack", c.Stacktrace)
	}
	lines = append(lines, m.th.Dim.Render("  as received:"))
	for _, l := range strings.Split(strings.TrimRight(c.Raw, "\n"), "\n") {
		lines = append(lines, "    "+devices.Visible(l))
	}
	m.top = min(m.top, max(len(lines)-m.height, 0))
	return theme.Clip(strings.Join(lines[m.top:], "\n"), m.width, m.height)
}

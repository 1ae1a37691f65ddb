package devices

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/avmsh/avmsh/devices/espflash"
	"github.com/avmsh/avmsh/tui/source"
	"github.com/avmsh/avmsh/tui/view"
)

// Before a flash, once the file is checked (stageReady), the view shows
// what will happen and a line of options, avmsh flash's flags under
// their own names, each toggled by a key: --before and --after
// (default-reset/hard-reset or no-reset), --baud (cycled through
// espflash.FlashBauds) and, for an AtomVM image only, --erase-nvs and
// --erase-app. A Pico's BOOTSEL copy has none. The choices go into the
// plan's espflash.Settings, which the flasher turns into espflash.Run's
// options as the CLI does; the flasher remembers --before, --after and
// --baud per board.

// flashOption is one toggle of the options line.
type flashOption struct {
	key key.Binding
	// label is the footer's word for it ("before").
	label string
	// firmware: only for an AtomVM image (the erase options).
	firmware bool
	flag     string // "--before"
	value    func(espflash.Settings) string
	toggle   func(*espflash.Settings)
}

// flashOptions are the toggles, in the order of the line.
func flashOptions() []flashOption {
	onOff := func(b bool) string {
		if b {
			return "on"
		}
		return "off"
	}
	return []flashOption{
		{key: key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "flash option --before: default-reset ↔ no-reset (no DTR/RTS, held in its loader)")),
			label: "before", flag: "--before",
			value: func(s espflash.Settings) string { return string(s.Before) },
			toggle: func(s *espflash.Settings) {
				if s.Before == espflash.NoReset {
					s.Before = espflash.DefaultReset
				} else {
					s.Before = espflash.NoReset
				}
			}},
		{key: key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "flash option --after: hard-reset ↔ no-reset (stay in the loader)")),
			label: "after", flag: "--after",
			value: func(s espflash.Settings) string { return string(s.After) },
			toggle: func(s *espflash.Settings) {
				if s.After == espflash.StayInLoader {
					s.After = espflash.HardReset
				} else {
					s.After = espflash.StayInLoader
				}
			}},
		{key: key.NewBinding(key.WithKeys("b"), key.WithHelp("b", "flash option --baud: "+baudList()+" in turn")),
			label: "baud", flag: "--baud",
			value:  func(s espflash.Settings) string { return strconv.Itoa(s.Baud) },
			toggle: func(s *espflash.Settings) { s.Baud = espflash.NextBaud(s.Baud) }},
		{key: key.NewBinding(key.WithKeys("N"), key.WithHelp("N", "flash option --erase-nvs (AtomVM image): overwrite NVS (Wi-Fi, settings)")),
			label: "erase NVS", flag: "--erase-nvs", firmware: true,
			value:  func(s espflash.Settings) string { return onOff(s.EraseNVS) },
			toggle: func(s *espflash.Settings) { s.EraseNVS = !s.EraseNVS }},
		{key: key.NewBinding(key.WithKeys("M"), key.WithHelp("M", "flash option --erase-app (AtomVM image): overwrite main.avm too")),
			label: "erase main.avm", flag: "--erase-app", firmware: true,
			value:  func(s espflash.Settings) string { return onOff(s.EraseApp) },
			toggle: func(s *espflash.Settings) { s.EraseApp = !s.EraseApp }},
	}
}

func baudList() string {
	var s []string
	for _, b := range espflash.FlashBauds {
		s = append(s, strconv.Itoa(b))
	}
	return strings.Join(s, ", ")
}

// applies says whether an option is offered for plan.
func (o flashOption) applies(p source.FlashPlan) bool {
	return !p.Pico && (!o.firmware || p.Kind == source.FlashFirmware)
}

// optionBindings are the options' keys, for '?'.
func (m *Model) optionBindings() []key.Binding {
	var b []key.Binding
	for _, o := range m.opts {
		b = append(b, o.key)
	}
	return b
}

// readyKey handles a key while the plan and its options are shown: y
// (or enter, for an application) flashes, n or esc cancels, an option's
// key toggles it.
func (m *Model) readyKey(msg tea.KeyMsg) tea.Cmd {
	p := &m.fl.plan
	for _, o := range m.opts {
		if o.applies(*p) && key.Matches(msg, o.key) {
			o.toggle(&p.Settings)
			return nil
		}
	}
	switch msg.String() {
	case "y", "Y":
		return m.startFlash()
	case "enter":
		if !p.Confirm {
			return m.startFlash()
		}
		return view.Status("installing AtomVM itself: y installs, n cancels")
	case "n", "esc":
		m.fl = flow{}
		return view.Status("nothing was flashed")
	}
	return nil
}

// readyStatus is the footer while the plan is shown: what proceeds and
// the options' keys.
func (m *Model) readyStatus() string {
	p := m.fl.plan
	parts := []string{"enter flashes", "esc cancels"}
	if p.Confirm {
		parts = []string{"y installs", "n cancels"}
	}
	for _, o := range m.opts {
		if o.applies(p) {
			parts = append(parts, o.key.Help().Key+" "+o.label)
		}
	}
	return strings.Join(parts, "  ")
}

// readyView is the plan (a question for AtomVM itself) and its options.
func (m *Model) readyView(width int) string {
	p, th := m.fl.plan, m.th
	var q string
	switch {
	case p.Kind == source.FlashFirmware:
		q = fmt.Sprintf("install %s on %s at the chip's bootloader offset? %s (y/n)", planWhat(p), p.Port, keptText(p.Settings))
	case p.Kind == source.FlashUF2:
		q = fmt.Sprintf("copy %s to the BOOTSEL drive of the Pico (%s)? (y/n)", planWhat(p), where(p.Port))
	case p.Pico:
		q = fmt.Sprintf("flash %s onto the Pico (%s) as a UF2 at AtomVM's application address? enter flashes, esc cancels", planWhat(p), where(p.Port))
	default:
		q = fmt.Sprintf("flash %s into main.avm on %s? enter flashes, esc cancels", planWhat(p), p.Port)
		if p.Board != "" {
			q = fmt.Sprintf("flash %s into main.avm on %s, %s? enter flashes, esc cancels", planWhat(p), p.Port, p.Board)
		}
	}
	style := th.Header.Render
	if p.Confirm {
		style = th.Warn.Render
	}
	var lines []string
	for _, l := range strings.Split(ansi.Wrap(q, width, ""), "\n") {
		lines = append(lines, style(l))
	}
	if line := m.optionsLine(p, width); line != "" {
		lines = append(lines, line)
	}
	return strings.Join(lines, "\n")
}

// optionsLine shows each option that applies with its key and value
// (values that differ from avmsh flash's defaults stand out), on as
// many lines as width needs.
func (m *Model) optionsLine(p source.FlashPlan, width int) string {
	def := espflash.DefaultSettings()
	const prefix, sep = "options: ", "   "
	var lines []string
	line, n := prefix, len(prefix)
	for _, o := range m.opts {
		if !o.applies(p) {
			continue
		}
		v := o.value(p.Settings)
		cell := fmt.Sprintf("%s %s %s", o.key.Help().Key, o.flag, v)
		w := ansi.StringWidth(cell)
		if v != o.value(def) {
			cell = m.th.Warn.Render(cell)
		}
		switch {
		case n == len(prefix):
		case n+len(sep)+w > width:
			lines = append(lines, line)
			line, n = strings.Repeat(" ", len(prefix)), len(prefix)
		default:
			line, n = line+sep, n+len(sep)
		}
		line, n = line+cell, n+w
	}
	if n == len(prefix) {
		if p.Pico {
			return m.th.Dim.Render(ansi.Truncate("a BOOTSEL copy: no reset or speed to choose", width, "…"))
		}
		return ""
	}
	for i := range lines {
		lines[i] = ansi.Truncate(lines[i], width, "…")
	}
	return strings.Join(append(lines, ansi.Truncate(line, width, "…")), "\n")
}

// keptText says what a firmware image leaves on the board.
func keptText(s espflash.Settings) string {
	switch {
	case s.EraseNVS && s.EraseApp:
		return "The board's NVS and main.avm are overwritten with the image's."
	case s.EraseNVS:
		return "The board's NVS is overwritten; main.avm is kept."
	case s.EraseApp:
		return "The board's main.avm is overwritten; NVS is kept."
	}
	return "The board's NVS and main.avm are kept."
}

// flagsText is the options of a plan that differ from the defaults, as
// avmsh flash's flags ("--before no-reset"; "" for none).
func flagsText(p source.FlashPlan) string {
	if p.Pico {
		return ""
	}
	var args []string
	for _, c := range p.Settings.Changed() {
		args = append(args, "--"+c.Name)
		if c.Value != "" {
			args = append(args, c.Value)
		}
	}
	return strings.Join(args, " ")
}

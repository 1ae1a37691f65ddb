package devices

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/progress"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/muesli/termenv"

	"github.com/avmsh/avmsh/devices/espflash"
	"github.com/avmsh/avmsh/tui/pathprompt"
	"github.com/avmsh/avmsh/tui/source"
	"github.com/avmsh/avmsh/tui/theme"
	"github.com/avmsh/avmsh/tui/view"
)

// Flashing from the devices view: f asks for a file (with completion;
// it starts from the file last flashed onto that board), checks it
// against the board (source.Flasher.PlanFlash), shows the plan with its
// options (flashopts.go; a y/n question for AtomVM itself), then flashes
// with a progress bar. Esc (or ctrl+c)
// cancels. The result, or the error with its step and port, stays above
// the console until esc.

// flashTimeout bounds a whole flash (a 4 MiB image at 115200 baud takes
// about six minutes; a Pico waits up to a minute for its drive).
const flashTimeout = 20 * time.Minute

type flashStage int

const (
	stageNone     flashStage = iota
	stagePrompt              // the path is being typed
	stageChecking            // PlanFlash runs
	stageReady               // the plan and its options; y/n for AtomVM itself
	stageRunning             // Flash runs
	stageDone                // the result or the error is shown
)

// flow is the flash in the view (one at a time).
type flow struct {
	stage  flashStage
	port   string
	prompt *pathprompt.Model
	plan   source.FlashPlan
	run    *flashRun
	res    source.FlashResult
	err    error
	wrote  bool // writing began (or, on a Pico, may have): the flash may be partial
	cancel bool // the user cancelled
}

// flashRun is a flash going on: its cancel, and its latest progress
// (the flasher's goroutine sets it, the view reads it).
type flashRun struct {
	cancel context.CancelFunc
	notify chan struct{}
	done   chan struct{}
	mu     sync.Mutex
	p      source.FlashProgress
	wrote  bool // a write phase began: the flash may be partial from then on
}

func (r *flashRun) set(p source.FlashProgress) {
	r.mu.Lock()
	r.p = p
	if p.Phase == "write" || p.Phase == "verify" {
		r.wrote = true
	}
	r.mu.Unlock()
	select {
	case r.notify <- struct{}{}:
	default: // a snapshot is waiting to be shown: it will show this one
	}
}

func (r *flashRun) progress() source.FlashProgress {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.p
}

func (r *flashRun) started() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.wrote
}

// wait delivers the next progress (nil once the flash is over).
func (r *flashRun) wait() tea.Cmd {
	return func() tea.Msg {
		select {
		case <-r.notify:
			return flashProgressMsg{r}
		case <-r.done:
			return nil
		}
	}
}

// Messages of the flow. Every view sees them: each carries what it
// belongs to.
type (
	lastFileMsg struct {
		port, file string
	}
	planMsg struct {
		port string
		plan source.FlashPlan
		err  error
	}
	flashProgressMsg struct{ run *flashRun }
	flashDoneMsg     struct {
		run *flashRun
		res source.FlashResult
		err error
	}
)

func flashFile(name string) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".avm", ".img", ".bin", ".uf2":
		return true
	}
	return false
}

// flashKey is f on the selected port.
func (m *Model) flashKey(d source.Device) tea.Cmd {
	switch {
	case m.flasher == nil:
		return view.Status("flashing is not available here")
	case m.fl.stage == stageRunning:
		return view.Status(fmt.Sprintf("a flash onto %s is running: esc cancels it", where(m.fl.port)))
	}
	fl, port := m.flasher, d.Path
	m.fl = flow{stage: stageChecking, port: port}
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return lastFileMsg{port: port, file: fl.LastFlashFile(ctx, port)}
	}
}

// updateFlash handles the flow's messages (false: not one of them).
func (m *Model) updateFlash(msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case lastFileMsg:
		if m.fl.stage == stageChecking && m.fl.port == msg.port && m.fl.prompt == nil {
			p := pathprompt.New("flash onto "+where(msg.port)+": ", msg.file, nil, flashFile)
			m.fl.stage, m.fl.prompt = stagePrompt, &p
		}
		return nil, true
	case planMsg:
		if m.fl.stage != stageChecking || m.fl.port != msg.port || m.fl.prompt == nil {
			return nil, true
		}
		if msg.err != nil {
			m.fl.stage, m.fl.prompt.Err = stagePrompt, msg.err.Error()
			return nil, true
		}
		m.fl.plan, m.fl.stage = msg.plan, stageReady
		return nil, true
	case flashProgressMsg:
		if m.fl.run != msg.run || m.fl.stage != stageRunning {
			return nil, true
		}
		return msg.run.wait(), true
	case flashDoneMsg:
		if m.fl.run != msg.run {
			return nil, true
		}
		m.fl.stage, m.fl.res, m.fl.err = stageDone, msg.res, msg.err
		// A Pico reports no bytes: its copy may have begun.
		m.fl.wrote = msg.run.started() || m.fl.plan.Pico
		return tea.Batch(view.Status(m.doneStatus()), view.Refresh()), true
	}
	return nil, false
}

// flashKeyMsg handles a key the flow captured.
func (m *Model) flashKeyMsg(msg tea.KeyMsg) tea.Cmd {
	fl := &m.fl
	switch fl.stage {
	case stagePrompt:
		switch msg.Type {
		case tea.KeyEsc:
			m.fl = flow{}
			return nil
		case tea.KeyEnter:
			path, flr, port := fl.prompt.Value(), m.flasher, fl.port
			fl.stage = stageChecking
			return func() tea.Msg {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				plan, err := flr.PlanFlash(ctx, port, path)
				return planMsg{port: port, plan: plan, err: err}
			}
		}
		return fl.prompt.Update(msg)
	case stageReady:
		return m.readyKey(msg)
	case stageRunning:
		switch {
		case msg.Type == tea.KeyEsc || msg.Type == tea.KeyCtrlC:
			if !fl.cancel {
				fl.cancel = true
				fl.run.cancel()
			}
			return view.Status("cancelling the flash onto " + where(fl.port) + "…")
		case key.Matches(msg, m.keys.flash):
			return view.Status("a flash onto " + where(fl.port) + " is running: esc cancels it")
		}
		return view.Status("flashing " + where(fl.port) + ": esc cancels the flash first (the board would keep a partial image)")
	case stageDone:
		m.fl = flow{}
		return view.Status("")
	}
	return nil // stageChecking: the file is being checked
}

// captures says which keys the flow takes before the app's.
func (m *Model) flashCaptures(msg tea.KeyMsg) bool {
	switch m.fl.stage {
	case stagePrompt:
		return msg.Type != tea.KeyCtrlC
	case stageReady: // '?' shows the help, with the options' keys
		return msg.Type != tea.KeyCtrlC && msg.String() != "?"
	case stageChecking: // the prompt stays on screen, typed into
		return m.fl.prompt != nil && msg.Type != tea.KeyCtrlC
	case stageRunning:
		return msg.Type == tea.KeyEsc || msg.Type == tea.KeyCtrlC || key.Matches(msg, m.keys.flash) || msg.String() == "q"
	case stageDone:
		return msg.Type == tea.KeyEsc
	}
	return false
}

// startFlash runs the plan.
func (m *Model) startFlash() tea.Cmd {
	ctx, cancel := context.WithTimeout(context.Background(), flashTimeout)
	r := &flashRun{cancel: cancel, notify: make(chan struct{}, 1), done: make(chan struct{}), p: source.FlashProgress{ETA: -1}}
	plan, flr := m.fl.plan, m.flasher
	m.fl.stage, m.fl.run, m.fl.prompt = stageRunning, r, nil
	flash := func() tea.Msg {
		defer cancel()
		res, err := flr.Flash(ctx, plan, r.set)
		close(r.done)
		return flashDoneMsg{run: r, res: res, err: err}
	}
	return tea.Batch(view.Status(fmt.Sprintf("flashing %s onto %s…", filepath.Base(plan.Path), where(plan.Port))), flash, r.wait())
}

// doneStatus is the status line after a flash.
func (m *Model) doneStatus() string {
	fl := m.fl
	name := filepath.Base(fl.plan.Path)
	switch {
	case fl.err == nil:
		return fmt.Sprintf("flashed %s onto %s, verified", name, where(fl.port))
	case fl.cancel && errors.Is(fl.err, context.Canceled):
		return fmt.Sprintf("flash onto %s cancelled", where(fl.port))
	}
	return fmt.Sprintf("flash onto %s failed", where(fl.port))
}

// flashStatus is the view's status-line note.
func (m *Model) flashStatus() string {
	switch m.fl.stage {
	case stagePrompt:
		return "enter checks the file, tab completes, esc cancels"
	case stageReady:
		return m.readyStatus()
	case stageRunning:
		return "esc or ctrl+c cancels the flash"
	case stageDone:
		return "esc closes the flash result"
	}
	return ""
}

// flashView renders the flow in width columns ("" when there is none).
func (m *Model) flashView(width int) string {
	fl := &m.fl
	th := m.th
	switch fl.stage {
	case stagePrompt, stageChecking:
		if fl.prompt == nil {
			return th.Dim.Render("flash onto " + where(fl.port) + "…")
		}
		fl.prompt.SetWidth(width)
		out := fl.prompt.View(th, width)
		if fl.stage == stageChecking {
			out += "\n" + th.Dim.Render("checking the file…")
		} else if fl.prompt.Err == "" {
			out += "\n" + th.Dim.Render(theme.Cell("an .avm goes into the application partition; an AtomVM image (.img, .uf2 for a Pico) installs AtomVM", width))
		}
		return out
	case stageReady:
		return m.readyView(width)
	case stageRunning:
		return m.progressView(width)
	case stageDone:
		if fl.err != nil {
			return m.errorView(width)
		}
		return m.resultView(width)
	}
	return ""
}

func planWhat(p source.FlashPlan) string {
	what := fmt.Sprintf("%s (%s)", filepath.Base(p.Path), bytesText(p.Size))
	switch p.Kind {
	case source.FlashFirmware:
		return fmt.Sprintf("AtomVM image %s for %s", what, p.ImageChip)
	case source.FlashUF2:
		return "UF2 " + what
	}
	return what
}

// progressView is the bar with bytes, rate and time left, and the last
// step.
func (m *Model) progressView(width int) string {
	fl := m.fl
	p := fl.run.progress()
	th := m.th
	head := fmt.Sprintf("flashing %s onto %s", planWhat(fl.plan), where(fl.plan.Port))
	if fl.plan.Board != "" {
		head += ", " + fl.plan.Board
	}
	if fl.cancel {
		head += "  cancelling…"
	} else {
		head += "  esc cancels"
	}
	lines := []string{th.Header.Render(theme.Cell(head, width))}
	if f := flagsText(fl.plan); f != "" {
		lines = append(lines, th.Warn.Render(theme.Cell("with "+f, width)))
	}
	if p.Total > 0 {
		label := map[string]string{"compare": "Comparing", "write": "Writing", "verify": "Verifying"}[p.Phase]
		if label == "" {
			label = p.Phase
		}
		label = fmt.Sprintf("%s %s ", label, p.Region)
		pct := float64(p.Done) / float64(p.Total)
		nums := fmt.Sprintf(" %3.0f%%  %s / %s", pct*100, bytesText(p.Done), bytesText(p.Total))
		if p.Rate > 0 {
			nums += "  " + bytesText(int64(p.Rate)) + "/s"
		}
		switch {
		case p.Done >= p.Total:
			nums += "  done"
		case p.ETA >= 0:
			nums += "  ETA " + p.ETA.String()
		}
		barWidth := min(40, width-ansi.StringWidth(label)-ansi.StringWidth(nums))
		line := label
		if barWidth >= 10 {
			bar := progress.New(progress.WithWidth(barWidth), progress.WithoutPercentage(),
				progress.WithColorProfile(termenv.Ascii), progress.WithFillCharacters('█', '░'))
			line += th.Good.Render(bar.ViewAs(pct))
		}
		lines = append(lines, line+nums)
	}
	if p.Log != "" {
		lines = append(lines, th.Dim.Render(theme.Cell(p.Log, width)))
	}
	return strings.Join(lines, "\n")
}

// resultView is a verified flash.
func (m *Model) resultView(width int) string {
	r, th := m.fl.res, m.th
	var lines []string
	add := func(st func(...string) string, s string) {
		for _, l := range strings.Split(ansi.Wrap(s, width, ""), "\n") {
			lines = append(lines, st(l))
		}
	}
	plain := func(s ...string) string { return strings.Join(s, " ") }
	add(th.Good.Render, fmt.Sprintf("flashed %s onto %s: verified  (esc closes)", r.File, where(r.Port)))
	board := r.Chip
	if r.MAC != "" {
		board += ", MAC " + r.MAC
	}
	if r.FlashSize > 0 {
		board += fmt.Sprintf(", %d MB flash", r.FlashSize>>20)
	}
	if r.Drive != "" {
		board += ", BOOTSEL drive " + r.Drive
	}
	add(plain, board)
	for _, g := range r.Regions {
		s := fmt.Sprintf("%s at 0x%X: %s, MD5 %s verified; %s written, %s unchanged", g.Name, g.Offset, bytesText(int64(g.Size)), g.MD5, bytesText(g.Written), bytesText(g.Skipped))
		if len(g.Kept) > 0 {
			s += ", kept " + strings.Join(g.Kept, " and ")
		}
		if r.Drive != "" {
			s = fmt.Sprintf("%s: %s copied (MD5 %s); the boot ROM took it and left BOOTSEL", g.Name, bytesText(int64(g.Size)), g.MD5)
		}
		add(plain, s)
	}
	end := fmt.Sprintf("in %.1f s", r.Seconds)
	if r.Lender != "" {
		end += "; the port was taken from " + r.Lender + " and given back"
	}
	switch {
	case r.Started == "":
		end += "; the board stays in its loader (--after no-reset)"
	case r.Reconnect:
		end += "; the board runs the application (" + r.Started + "): its boot shows below, and avmsh connects to its node when it starts distribution"
	default:
		end += "; the board runs the application (" + r.Started + ")"
	}
	add(th.Dim.Render, end)
	return strings.Join(lines, "\n")
}

// errorView is a failed or cancelled flash: the error names the step
// and the port (espflash.Error); nothing is called done.
func (m *Model) errorView(width int) string {
	fl, th := m.fl, m.th
	var lines []string
	add := func(st func(...string) string, s string) {
		for _, l := range strings.Split(ansi.Wrap(s, width, ""), "\n") {
			lines = append(lines, st(l))
		}
	}
	name := filepath.Base(fl.plan.Path)
	var fe *espflash.Error
	step := ""
	if errors.As(fl.err, &fe) {
		step = " at " + fe.Step
	}
	partial := "nothing was written to the flash (f tries again)"
	if fl.wrote {
		partial = "the board may hold a partial image: it is not verified. Flash again (f) to finish: only the sectors that differ are written"
	}
	if fl.cancel && errors.Is(fl.err, context.Canceled) {
		add(th.Warn.Render, fmt.Sprintf("flash of %s onto %s cancelled%s  (esc closes)", name, where(fl.port), step))
		add(th.Warn.Render, partial)
		return strings.Join(lines, "\n")
	}
	add(th.Bad.Render, fmt.Sprintf("flash of %s onto %s failed%s  (esc closes)", name, where(fl.port), step))
	for _, l := range strings.Split(fl.err.Error(), "\n") {
		add(func(s ...string) string { return strings.Join(s, " ") }, l)
	}
	if errors.Is(fl.err, espflash.ErrNoSync) {
		// The hint names avmsh flash's flags; here the same reset is
		// tried, and a board already in its loader answers.
		add(th.Dim.Render, "from the dashboard: hold BOOT, press and release EN, release BOOT, then press f again and r for --before no-reset")
	}
	add(th.Warn.Render, partial)
	return strings.Join(lines, "\n")
}

func bytesText(n int64) string {
	if n <= 0 {
		return "0 B"
	}
	return theme.Bytes(n)
}

// where names a port, or the BOOTSEL drive of a Pico listed without
// one.
func where(port string) string {
	if port == "" {
		return "the BOOTSEL drive"
	}
	return port
}

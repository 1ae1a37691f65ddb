package shellsession

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
)

// JobAction is what a job-control command asks the front-end to do.
type JobAction int

// The actions.
const (
	// JobStay: show the menu's prompt again.
	JobStay JobAction = iota
	// JobResume: back to the shell (c).
	JobResume
	// JobLeave: leave the shell (q); the target keeps running.
	JobLeave
)

// JobBanner is what Ctrl-G prints before the menu's first prompt, and
// JobPrompt the menu's prompt, as in erl.
const (
	JobBanner = "User switch command (enter 'h' for help)\n"
	JobPrompt = " --> "
)

// jobHelp is the useful part of erl's job-control menu (user_drv): a
// session has one job, its shell.
const jobHelp = `  c [nn]            - connect to job (back to the shell)
  i [nn]            - interrupt job (the evaluation in progress)
  j                 - list all jobs
  q                 - quit the shell (the target keeps running)
  ? | h             - this message
`

// JobCommand runs one command of the Ctrl-G menu (erl's "user switch
// command") and returns what to print and what to do next. i interrupts
// the evaluation in progress (Interrupt), c resumes, q leaves, j lists
// the one job, h or ? prints help; k, s and r (more jobs) are not
// offered.
func (s *Session) JobCommand(line string) (string, JobAction) {
	f := strings.Fields(line)
	if len(f) == 0 {
		return "", JobStay
	}
	switch f[0] {
	case "c":
		return "", JobResume
	case "i":
		s.Interrupt()
		return "", JobStay
	case "q":
		return "", JobLeave
	case "j":
		what := "avmsh's evaluator"
		if s.mode == ModeRemote {
			what = "{shell,start,[]}"
		}
		return fmt.Sprintf("   1* %s on %s\n", what, s.Target()), JobStay
	case "h", "?":
		return jobHelp, JobStay
	case "k", "s", "r":
		return "Not available in avmsh's shell (one job per session; :connect and :target change nodes)\n", JobStay
	}
	return "Unknown command\n", JobStay
}

// jobControl runs the menu at the prompt (the Terminal's ReadCommand
// returned ErrJobControl); false means leave.
func (s *Session) jobControl(ctx context.Context) bool {
	_, _ = io.WriteString(s.term, JobBanner)
	for {
		line, err := s.cfg.Terminal.ReadLine(ctx, JobPrompt)
		switch {
		case errors.Is(err, io.EOF):
			return false
		case errors.Is(err, ErrInterrupted):
			continue
		case err != nil:
			return true
		}
		out, act := s.JobCommand(line)
		_, _ = io.WriteString(s.term, out)
		switch act {
		case JobResume:
			return true
		case JobLeave:
			return false
		}
	}
}

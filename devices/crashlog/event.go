package crashlog

import (
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Event is one crash dump. Terms are kept as AtomVM printed them
// (term_display: atoms unquoted, pids as <0.N.0>).
type Event struct {
	Node string    `json:"node,omitempty"`
	Port string    `json:"port,omitempty"`
	At   time.Time `json:"at"` // when the dump's first line arrived
	Pid  string    `json:"pid,omitempty"`
	// Class is x[0] (error, exit or throw) and Reason x[1].
	Class  string `json:"class,omitempty"`
	Reason string `json:"reason,omitempty"`
	// Stacktrace is the stack trace term; Frames what could be read
	// of it ({M, F, Arity, [{file, F}, {line, L}]} entries).
	Stacktrace string  `json:"stacktrace,omitempty"`
	Frames     []Frame `json:"frames,omitempty"`
	// CP is the continuation pointer line, X2 the raw x[2] register.
	CP string `json:"cp,omitempty"`
	X2 string `json:"x2,omitempty"`
	// Stack, Mailbox and Monitors are the lines of those sections;
	// Memory the "key = value" lines printed after an out_of_memory.
	Stack    []string `json:"stack,omitempty"`
	Mailbox  []string `json:"mailbox,omitempty"`
	Monitors []string `json:"monitors,omitempty"`
	Memory   []string `json:"memory,omitempty"`
	// ERPC: the process was an erpc call's (erpc:execute_call/4 exits
	// with {Ref, return | throw | exit | error, ...}): every RPC to an
	// AtomVM node prints one of these. Not a crash of the board's code.
	ERPC bool `json:"erpc,omitempty"`
	// Truncated: the dump did not end (cut at the size bound,
	// interrupted by a reset or another dump, or the input ended).
	Truncated bool `json:"truncated,omitempty"`
	// Raw is the dump as printed (line ends normalised to \n).
	Raw string `json:"raw"`
	// Via says where the event came from: "" for a dump a board printed
	// on its console, "monitor" for a process exit seen through a
	// monitor or a link (see FromExit; Raw is then the message).
	Via string `json:"via,omitempty"`
}

// ViaMonitor marks events made by FromExit.
const ViaMonitor = "monitor"

// FromExit is a process exit seen through a monitor or a link (a DOWN
// or EXIT message) as an event, for the same lists and reports as the
// dumps: node and pid as the node prints them, the exit reason, and the
// stack trace when the reason is {Reason, Stacktrace} (an error exit),
// all as Erlang term text; raw is the message as received.
func FromExit(node, pid, reason, stacktrace, raw string, at time.Time) Event {
	e := Event{Node: node, At: at, Pid: pid, Class: "exit", Reason: reason, Stacktrace: stacktrace, Raw: raw, Via: ViaMonitor}
	e.Frames = parseFrames(stacktrace)
	return e
}

// Frame is one entry of a stack trace.
type Frame struct {
	Module   string `json:"module"`
	Function string `json:"function"`
	Arity    int    `json:"arity"`
	File     string `json:"file,omitempty"`
	Line     int    `json:"line,omitempty"`
}

// String prints the frame as mod:fun/arity (file:line).
func (f Frame) String() string {
	s := f.Module + ":" + f.Function + "/" + strconv.Itoa(f.Arity)
	if f.File != "" {
		s += " (" + f.File
		if f.Line > 0 {
			s += ":" + strconv.Itoa(f.Line)
		}
		s += ")"
	}
	return s
}

// Summary is a one-line description: "<0.42.0> error {badmatch,...}".
func (e Event) Summary() string {
	s := strings.TrimSpace(e.Pid + " " + e.Class + " " + e.Reason)
	if len(e.Frames) > 0 {
		s += " in " + e.Frames[0].Module + ":" + e.Frames[0].Function + "/" + strconv.Itoa(e.Frames[0].Arity)
	}
	if e.Truncated {
		s += " (truncated)"
	}
	return s
}

// sectionHeader names the section of a dump a header line starts (the
// line is followed by a rule of dashes).
func sectionHeader(line string) (string, bool) {
	switch line {
	case "Stack":
		return "stack", true
	case "Mailbox":
		return "mailbox", true
	case "Monitors":
		return "monitors", true
	case "Context memory info", "Global memory info":
		return "memory", true
	}
	return "", false
}

// parseBlock reads the fields of a dump's text.
func parseBlock(raw string) Event {
	e := Event{Raw: raw}
	lines := strings.Split(strings.TrimSuffix(raw, "\n"), "\n")
	section := ""
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		t := strings.TrimSpace(l)
		if name, ok := sectionHeader(t); ok && i+1 < len(lines) && isDashes(lines[i+1]) {
			section = name
			i++
			continue
		}
		switch {
		case strings.HasPrefix(l, "pid: "):
			e.Pid = strings.TrimSpace(l[len("pid: "):])
		case t == "Stacktrace:":
			if i+1 < len(lines) {
				i++
				e.Stacktrace = strings.TrimSpace(lines[i])
			}
		case strings.HasPrefix(l, "cp: "):
			e.CP = strings.TrimSpace(l[len("cp: "):])
		case strings.HasPrefix(l, "x[0]: "):
			e.Class = strings.TrimSpace(l[len("x[0]: "):])
		case strings.HasPrefix(l, "x[1]: "):
			e.Reason = strings.TrimSpace(l[len("x[1]: "):])
		case strings.HasPrefix(l, "x[2]: "):
			e.X2 = strings.TrimSpace(l[len("x[2]: "):])
		case t == "" || t == "======" || strings.Contains(l, "**End Of Crash Report**") || isCrashLine([]byte(l)):
		default:
			switch section {
			case "stack":
				e.Stack = append(e.Stack, t)
			case "mailbox":
				e.Mailbox = append(e.Mailbox, t)
			case "monitors":
				e.Monitors = append(e.Monitors, t)
			case "memory":
				e.Memory = append(e.Memory, l)
			}
		}
	}
	e.Frames = parseFrames(e.Stacktrace)
	e.ERPC = isERPC(e)
	return e
}

func isDashes(l string) bool {
	t := strings.TrimSpace(l)
	return t != "" && strings.Trim(t, "-") == ""
}

// frameRE matches {Module,Function,Arity,[Aux]} with an integer arity
// and aux data without nested lists (file and line). The expressions
// are compiled on first use: package initialisation is paid by every
// avmsh command.
var frameREs = sync.OnceValue(func() (r struct{ frame, file, line *regexp.Regexp }) {
	r.frame = regexp.MustCompile(`\{([^{},\[\]"]+),([^{},\[\]"]+),(\d+),\[([^\[\]]*)\]\}`)
	r.file = regexp.MustCompile(`\{file,"([^"]*)"\}`)
	r.line = regexp.MustCompile(`\{line,(\d+)\}`)
	return r
})

// maxFrames bounds the frames read from one stack trace.
const maxFrames = 64

func parseFrames(st string) []Frame {
	if !strings.HasPrefix(st, "[") {
		return nil
	}
	var out []Frame
	re := frameREs()
	for _, m := range re.frame.FindAllStringSubmatch(st, maxFrames) {
		f := Frame{Module: m[1], Function: m[2]}
		f.Arity, _ = strconv.Atoi(m[3])
		if fm := re.file.FindStringSubmatch(m[4]); fm != nil {
			f.File = fm[1]
		}
		if lm := re.line.FindStringSubmatch(m[4]); lm != nil {
			f.Line, _ = strconv.Atoi(lm[1])
		}
		out = append(out, f)
	}
	return out
}

// erpcReasonRE matches execute_call's exit reasons: {Ref, return, V},
// {Ref, throw, R}, {Ref, exit, R}, {Ref, error, R, Stack}.
var erpcReasonRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^\{#Ref<[0-9.]+>,(return|throw|exit|error),`)
})

func isERPC(e Event) bool {
	if e.Class != "exit" {
		return false
	}
	return erpcReasonRE().MatchString(e.Reason) || strings.HasPrefix(e.Stacktrace, "[{erpc,execute_call,4,")
}

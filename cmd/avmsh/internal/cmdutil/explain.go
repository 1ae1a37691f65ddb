package cmdutil

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/avmsh/avmsh/devices/espflash"
	"github.com/avmsh/avmsh/devices/rp2"
	"github.com/avmsh/avmsh/epmd"
	"github.com/avmsh/avmsh/node"
	"github.com/avmsh/avmsh/node/handshake"
	"github.com/avmsh/avmsh/node/rpc"
	"github.com/avmsh/avmsh/node/serialdist"
	"github.com/avmsh/avmsh/vm/etf"
)

// The node and its packages report what happened in neutral terms; the
// helpers here add what a user of this command line can do about it
// (which flag, which environment variable).

// Hint is this command line's advice for an error of avmsh's packages,
// which say what happened in neutral terms: the flag or command that
// helps. It is "" when there is none. Status adds it to the errors it
// prints (WithHint); Explain and ExplainTarget to connection errors.
func Hint(err error) string {
	var nm *node.NameModeError
	var nr *epmd.NotRegisteredError
	var pu *epmd.PortInUseError
	var nt *rp2.NotTakenError
	switch {
	case err == nil:
	case errors.As(err, &nm):
		if nm.Mode == node.ShortNames {
			return "use --name for long names, or a short host"
		}
		return "use --sname for short names, or a host with a dot or an IP address"
	case errors.Is(err, serialdist.ErrPortNotFound):
		return "'avmsh devices' lists the serial ports"
	case errors.As(err, &nr):
		return fmt.Sprintf("check the node name: list the nodes with 'avmsh names %s'", nr.Host())
	case errors.Is(err, epmd.ErrNotRegistered):
		return "check the node name: list the nodes with 'avmsh names HOST'"
	case errors.Is(err, epmd.ErrNoEpmd):
		return "start one with 'avmsh epmd' (or OTP's 'epmd -daemon'), or point ERL_EPMD_PORT at the port it uses"
	case errors.Is(err, epmd.ErrNameTaken):
		return "list the registered names with 'avmsh epmd -names'"
	case errors.As(err, &pu):
		return fmt.Sprintf("check with 'avmsh epmd -names -port %d'", pu.Port)
	case errors.As(err, &nt) && nt.Chip != "":
		return "write the UF2 for this chip with --chip " + nt.Chip
	case errors.Is(err, espflash.ErrNeedsStub):
		return "run without --no-stub"
	}
	return ""
}

// WithHint returns err with Hint's advice on a last line ("hint: ..."),
// unless err already ends with a hint or Hint has none. The exit code
// is kept.
func WithHint(err error) error {
	h := Hint(err)
	if h == "" || strings.Contains(err.Error(), "\nhint: ") {
		return err
	}
	return &hinted{err: err, hint: h}
}

// hinted is an error with the command line's hint.
type hinted struct {
	err  error
	hint string
}

func (h *hinted) Error() string { return h.err.Error() + "\nhint: " + h.hint }
func (h *hinted) Unwrap() error { return h.err }

// ExplainFlash words the hint of a flasher's error (*espflash.Error,
// whose Hint names no flag) for this command line: the flags and
// commands of `avmsh flash`.
func ExplainFlash(err error) error {
	var e *espflash.Error
	if !errors.As(err, &e) || e.Hint == "" {
		return err
	}
	var cli string
	switch e.Advice {
	case espflash.AdviceManualBoot:
		cli = "hold the BOOT (IO0) button, press and release EN (RST), release BOOT, then run again with --before no-reset; check the cable"
	case espflash.AdviceNoStub:
		cli = "reset the board and try again; --no-stub talks to the ROM loader only"
	case espflash.AdviceLowerBaud:
		cli = "try a lower --baud (115200 always works)"
	case espflash.AdviceRetry:
		cli = "run the same command again (it rewrites what differs); if it fails again, try a lower --baud or another cable"
	case espflash.AdviceInstallAtomVM:
		cli = "install AtomVM first: avmsh flash --firmware AtomVM-<chip>-<version>.img"
	case espflash.AdvicePartition:
		cli = "is AtomVM installed? (avmsh flash --firmware ...); --partition names another label"
	case espflash.AdviceWholeApp:
		cli = "flash the whole application once: avmsh pack -o app.avm ..., then avmsh flash PORT app.avm"
	default:
		return err
	}
	neutral := e.Hint
	e.Hint = cli // for messages made from e from now on
	return &reworded{err: err, old: "\nhint: " + neutral, new: "\nhint: " + cli}
}

// reworded is err with one part of its message replaced (a hint made
// into a message before it was reworded).
type reworded struct {
	err      error
	old, new string
}

func (r *reworded) Error() string { return strings.Replace(r.err.Error(), r.old, r.new, 1) }
func (r *reworded) Unwrap() error { return r.err }

// EnvMaxTermDepth names the environment variable that sets how deeply a
// term sent or received may nest (node.Config.MaxTermDepth).
const EnvMaxTermDepth = "AVMSH_MAX_TERM_DEPTH"

// cookieHint is the one place the CLI says how to fix differing cookies.
const cookieHint = "pass the node's cookie with --cookie, set AVMSH_COOKIE, or use the same ~/.erlang.cookie as the node"

// handshakeHint is the hint for a failed handshake, or "".
func handshakeHint(err error) string {
	switch {
	case errors.Is(err, handshake.ErrBadCookie):
		return cookieHint
	case errors.Is(err, handshake.ErrNotAllowed):
		return "the node refused us: check that it runs OTP 23 or later and accepts hidden nodes"
	}
	return ""
}

// MaxTermDepth reads EnvMaxTermDepth: 0 (the node's default) when unset,
// a usage error when it is not a number from 1 to node.MaxTermDepthLimit.
func MaxTermDepth(getenv func(string) string) (int, error) {
	v := strings.TrimSpace(getenv(EnvMaxTermDepth))
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > node.MaxTermDepthLimit {
		return 0, UsageError("%s=%q: give a number of levels from 1 to %d (default %d)", EnvMaxTermDepth, v, node.MaxTermDepthLimit, etf.DefaultMaxDepth)
	}
	return n, nil
}

// TermDepthExit returns the command's error for a failure caused by a
// term nested deeper than the node's limit (an *etf.DepthError in err's
// chain), or nil for any other error:
//
//   - a term of ours too deep to send (an argument, a message): a usage
//     error (exit 2); nothing was sent;
//   - a term from the node too deep to decode (its answer): exit 1, as
//     for a remote failure; the call may have run, and avmsh dropped the
//     connection, as OTP does with a packet it cannot decode.
//
// Both messages say the limit and how to raise it.
func TermDepthExit(err error) error {
	var de *etf.DepthError
	if !errors.As(err, &de) {
		return nil
	}
	raise := fmt.Sprintf("raise the limit with %s=N (at most %d)", EnvMaxTermDepth, node.MaxTermDepthLimit)
	if de.Encode {
		what := "a term to send nests"
		var ae *rpc.ArgumentError
		if errors.As(err, &ae) {
			what = "the arguments of " + ae.Call.String() + " nest"
		}
		return &ExitError{Code: ExitUsage, Err: fmt.Errorf("%s deeper than %d levels, the limit for terms avmsh sends; nothing was sent\nhint: %s, or send a flatter term", what, de.Limit, raise)}
	}
	what := "a message from the node"
	var re *rpc.ReplyError
	if errors.As(err, &re) {
		what = fmt.Sprintf("the answer to %s", re.Call)
	}
	return &ExitError{Code: ExitRemote, Err: fmt.Errorf("%s nests deeper than %d levels, the limit for terms avmsh receives, so avmsh dropped the connection (the call may have run)\nhint: %s, or return a flatter term", what, de.Limit, raise)}
}

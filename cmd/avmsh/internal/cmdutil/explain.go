package cmdutil

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/avmsh/avmsh/node"
	"github.com/avmsh/avmsh/node/handshake"
	"github.com/avmsh/avmsh/node/rpc"
	"github.com/avmsh/avmsh/vm/etf"
)

// The node and its packages report what happened in neutral terms; the
// helpers here add what a user of this command line can do about it
// (which flag, which environment variable).

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

// ExplainCookieFile adds how to give a cookie on the command line to a
// *node.CookieFileError (no cookie given and ~/.erlang.cookie unusable).
func ExplainCookieFile(err error) error {
	var ce *node.CookieFileError
	if errors.As(err, &ce) {
		return fmt.Errorf("%w\nhint: pass --cookie or set AVMSH_COOKIE", err)
	}
	return err
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

// Package remsh runs the OTP shell on a BEAM node with an avmsh
// group-leader I/O server as its terminal, the way `erl -remsh` does:
// every expression the erl shell accepts works, with the target's own
// erl_eval (records, funs, user_default).
//
// The OTP shell reads commands with io requests
// {get_until, Enc, Prompt, erl_scan, tokens, [Loc]}. GetUntil answers
// them by reading lines from the session's input and running
// erl_scan:tokens/3 on the target itself (one erpc per line), so the
// tokens are exactly the target's. Output (results, exceptions, remote
// io:format) arrives as put_chars requests.
package remsh

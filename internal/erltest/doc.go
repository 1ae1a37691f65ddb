// Package erltest starts real Erlang/OTP peers for tests: OTP's epmd on a
// private port and `erl` nodes with random names and cookies, registered
// in that epmd through ERL_EPMD_PORT. A node is controlled over its
// stdin: tests evaluate Erlang expressions on it (bindings persist
// between calls) and get the value back both printed with ~w and as
// term_to_binary bytes. Everything started is killed when the test ends.
//
// Under CI=true a missing erl, epmd or socat fails the test instead of
// skipping it.
package erltest

// Package stdlib serves, from Go, the part of Erlang's standard library
// people reach for first in a shell or an RPC to an avmsh node: lists,
// maps, io, io_lib, timer, string basics and erlang's time functions.
// It registers them in an rpc.Registry next to rpc's built-in erlang and
// avmsh modules, so `avmsh shell` on the local node (and BEAM or AtomVM
// calling into avmsh) get OTP's answers: values, and exceptions with the
// same reasons (function_clause, badarg, badarith, badmap, badkey), as
// the conformance test against a real erl shell checks. Two details of
// OTP's exception printing are not reproduced: the "*** argument N: ..."
// lines of erl_stdlib_errors and the lists.erl line numbers.
//
// Functions taking funs are not here: the shell evaluator applies shell
// funs given to lists:map/filter/foldl/... itself.
package stdlib

// Package codeload loads modules into running nodes over distribution,
// for `avmsh load` (and the dashboard): the c:nl/1 of avmsh, for BEAM and
// AtomVM nodes reached over TCP, TLS or serial.
//
// Prepare reads and checks every file before anything is sent: each must
// be a BEAM file (vm/beam) whose module is named like the file, at most
// beam.MaxFileSize, given once. A Loader then probes each target once
// (erlang:system_info(machine), then its OTP release or AtomVM version),
// checks every module against it (the OTP release's opcodes, or the
// AtomVM version's), and loads the modules, reporting one Result per
// module and node. A node gets all the modules given or none: if one
// cannot be loaded there, the others are not sent to it either
// (ReasonNotSent), since modules usually call each other.
//
// BEAM targets follow OTP's code-loading semantics (code(3)), the way
// c:l/1 and c:nl/1 use them:
//
//  1. The processes executing the module (process_info current_function)
//     are listed: loading makes the code they run the "old" version; they
//     carry on in it and enter the new code at their next fully
//     qualified call (Mod:f(...)). The listing and step 2 are one call:
//     an expression in Erlang's abstract format evaluated on the node by
//     erl_eval, so that only the matching processes cross the link.
//  2. code:soft_purge/1 removes the previous old version if no process
//     still runs it. If some do, the module is NOT loaded (a node keeps at
//     most two versions; loading again would have to kill them): the
//     processes are named (erlang:check_process_code/2) and the result
//     says to make them call into the current version, or to load with
//     Options.Purge, which uses code:purge/1 as c:l/1 does and kills them.
//  3. code:load_binary/3 with the file as compiled (gzip-compressed over a
//     serial link, which OTP's loader accepts); an answer other than
//     {module, Mod} is explained: badfile (with the OTP release the module
//     needs when that is the cause), not_purged, on_load_failure, sticky
//     system modules.
//
// AtomVM targets: AtomVM has no old and new versions and never purges;
// code:load_binary/3 replaces the module for every later call. A process
// already inside the module goes on with the code it was in until its
// next fully qualified call, then runs the new code; nothing is killed.
// The module is sent stripped as packbeam stores it (beam.Strip) and is
// first checked against the opcodes the target's AtomVM version knows,
// because AtomVM aborts the whole VM on an opcode it does not know (and
// on a binary that is not a BEAM file). When a load ends with the link
// gone, the result says so and the node's later modules are not sent.
// AtomVM 0.7/0.8 cannot list the processes running a module: it has no
// process_info current_function (badarg for the caller itself, and no
// answer at all for another process, which would leave the asking
// process waiting for ever) and its current_stacktrace is always [], so
// avmsh says it cannot tell. A load into AtomVM lives in RAM: a reboot
// reverts to the modules of the board's .avm. All of this was checked
// against a source-built AtomVM (7b282159, 2026-12-06); codeloadtest
// encodes it for CI.
//
// avmsh nodes run no BEAM code: loading into one is refused with a reason.
package codeload

// Package codeloadtest gives tests of code loading an AtomVM node
// without AtomVM: a Go node, reached over real distribution, that
// answers the calls `avmsh load` makes the way a source-built AtomVM
// answered them by hand (AtomVM 0.8.0-dev, generic_unix, commit
// 7b2821593d9e, checked on 2026-12-06; docs/develop.md, "Checked against
// AtomVM"). CI has no AtomVM, so what was seen live is encoded here:
//
//   - erlang:system_info(machine) is "ATOM", atomvm_version a binary
//     such as <<"0.8.0-dev+git.7b282159">>, otp_release "27";
//   - code:load_binary/3 answers {module, Mod} for a stripped or a full
//     BEAM file;
//   - a module using an opcode the build lacks (on_load, 149, from
//     -on_load) makes AtomVM print "missing opcode: 149" and exit: the
//     connection drops and no answer comes;
//   - a binary that is not a BEAM file makes it print "error: buffer
//     holding IFF is smaller than IFF size" and exit, too;
//   - erlang:process_info(P, current_function) raises badarg for the
//     caller itself and never answers for another process;
//   - there is no erlang:nodes/0,1 (error:undef).
package codeloadtest

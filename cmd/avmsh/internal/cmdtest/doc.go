// Package cmdtest runs avmsh commands in tests, the way gh's cmdtest
// does: each run gets a Factory on buffers whose Node function records
// the configuration the command resolved and routes node names to
// in-process peers (Peer: an avmsh node serving Go functions) through an
// in-memory port mapper, so that command packages test their flags,
// output and exit codes without an erl. Interop with real OTP nodes is
// tested with internal/erltest (cmd/avmsh/internal/root).
package cmdtest

// Package flashprogress shows how a flash goes on the command line
// (`avmsh flash`, `avmsh load --persist`): a bar with bytes, rate and
// ETA on a terminal, plain lines otherwise (no escape sequences: dumb
// terminals and logs read it as it is).
package flashprogress

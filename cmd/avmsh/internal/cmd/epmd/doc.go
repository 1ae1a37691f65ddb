// Package epmdcmd implements `avmsh epmd`: run avmsh's epmd server in
// the foreground, or, like OTP's epmd binary, ask a running epmd for its
// names, a dump, to unregister a name or to stop.
package epmdcmd

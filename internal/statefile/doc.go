// Package statefile is how avmsh keeps its small state files
// ($XDG_STATE_HOME/avmsh: the fleet, the dashboard's last flashed
// files, the shell history): where they live (Dir), reading one with a
// bound on its size (Read), replacing one atomically (Write), and
// keeping a copy of one that could not be read before it is replaced
// (SetAside), so that a corrupt file is never lost.
//
// A state file is user data: it may be anything, so reads are bounded
// and callers decode defensively; what a file holds is the caller's
// business.
package statefile

// Package cmdutil owns what every avmsh command shares: the Factory that
// gives a command its I/O streams and version, the exit-code contract
// (ExitError), and common output helpers. Each command lives in its own
// package with an options struct and a small run function, in the style
// of GitHub's gh CLI.
package cmdutil

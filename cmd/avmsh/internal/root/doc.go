// Package root builds avmsh's cobra command tree: it wires every command
// package under the root command and maps errors to exit codes.
package root

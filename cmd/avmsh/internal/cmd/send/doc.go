// Package sendcmd implements `avmsh send`: send a message to a process.
package sendcmd

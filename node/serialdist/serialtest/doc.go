//go:build !windows

// Package serialtest gives tests linked serial ports without hardware:
// pty pairs made by socat, as AtomVM's own serial tests do. Node-level
// tests (ping, rpc and monitors over serial) open one end each.
package serialtest

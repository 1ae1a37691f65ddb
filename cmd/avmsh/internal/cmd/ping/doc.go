// Package pingcmd implements `avmsh ping`: check that nodes are reachable.
package pingcmd

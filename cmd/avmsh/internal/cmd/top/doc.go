// Package topcmd implements `avmsh top`: a node's process table with
// rates (reductions per second, memory delta, message-queue growth over
// the interval), one frame per interval, as text or JSON lines. The
// node queries and the rates are package node/observe's, shared with
// the dashboard.
package topcmd

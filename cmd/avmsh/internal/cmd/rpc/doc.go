// Package rpccmd implements `avmsh rpc`: call a function on a node.
package rpccmd

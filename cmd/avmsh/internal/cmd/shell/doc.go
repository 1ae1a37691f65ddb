// Package shellcmd implements `avmsh shell`: an Erlang REPL on a node.
package shellcmd

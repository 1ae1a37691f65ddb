// Package evalcmd implements `avmsh eval`: evaluate Erlang expressions
// against a node and print the results like the erl shell.
package evalcmd

// Package gl owns the group-leader I/O server: an Erlang process that
// speaks the I/O protocol (put_chars in every form, including
// io_lib:format done in Go; get_line, get_chars, get_until, getopts,
// setopts, get_geometry, requests) between remote processes and avmsh's
// own output and input. Every remote call avmsh makes gets it as group
// leader, so a remote io:format appears in avmsh and a remote io:get_line
// reads from it.
package gl

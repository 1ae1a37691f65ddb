// Package localnode starts avmsh's own Erlang node from a resolved
// configuration and connects it to targets. A started node has a name
// and a cookie, TCP or TLS distribution (listening and registered with
// epmd, or only dialing out), optional serial ports (AtomVM's
// serial_dist), avmsh's built-in modules and the Go stdlib (lists, maps,
// io, ...) served to peers through rpc, and a group-leader I/O server
// for the output and input of the code it runs on other nodes.
//
// A target is a node name ("app", "app@host") or a serial port
// ("serial:/dev/ttyUSB0"), whose node name the handshake tells; see
// ParseTarget and Node.ConnectTarget.
//
// The package knows nothing of flags or environment variables: the
// command line (cmd/avmsh/internal/cmdutil) resolves those into a Config
// and the dashboard builds its own. Both start their node here, so the
// two cannot drift apart. Cookie files are read the way erl reads
// ~/.erlang.cookie (ReadCookieFile).
package localnode

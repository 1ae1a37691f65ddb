// Package serialnode joins the distribution node (package node) and the
// serial transport (package serialdist) without making either import the
// other:
//
//   - Start runs a node that also accepts connections on serial ports
//     (like AtomVM's uart_ports) and remembers, for every node that
//     reaches it over a port, that port as the way back: replies and
//     later sends to that node, including the redial after the link
//     dropped, go over the same port (AtomVM never redials, so the Go
//     side owns reconnection);
//   - Node.Connect dials a serial address and learns the peer's name from
//     the handshake ("serial:/dev/ttyUSB0?baud=921600");
//   - PortDialer dials through one already open port (the deep probe of
//     package devices);
//   - CopyConsole prints a port's console text (boot logs, io:format on
//     the UART) line by line with a prefix; FollowConsole does it for a
//     transport's ports across loans (the reopened port, led by the boot
//     log the borrower read).
//
// Subpackage relay is a byte relay between two serial devices with fault
// injection and a line-rate limit, for tests and bench/serial.
package serialnode

// Package serialdist owns Erlang distribution over a serial line, wire
// compatible with AtomVM's serial_dist (../../shared/spec/atomvm-dist.md §5):
//
//   - framing: frame16 (handshake phase) and frame32 (data phase) encoders,
//     CRC-32 (IEEE) over length + payload, and the frame scanner of §5.3
//     (NextToken, ScanFrame), which skips stale bytes and false syncs;
//   - Port: one serial device opened with go.bug.st/serial and one reader
//     goroutine that demultiplexes the byte stream. Bytes outside valid
//     frames are console text (boot logs, io:format output) delivered to
//     subscribers; frames are distribution. Both work at the same time on
//     one port;
//   - the per-port link state machine of §5.5–5.6, §5.12 and §5.14: idle
//     (a bare sync marker every ~0.5 s once distribution is used on the
//     port; a dialler's burst is echoed), responder (an 'N' frame arriving
//     while idle becomes a Conn for Listener.Accept), initiator (Dial: a
//     sync burst until the peer echoes it, against AtomVM's "deaf after
//     teardown" problem (wake.go), preamble, transparent re-send of the
//     send_name when the peer's link manager is visibly still idle), data
//     phase (32-bit frames, ticks, teardown on a CRC error or on bare
//     markers from the peer), and collision back-off;
//   - Conn, Dialer (Transport) and Listener implementing node/carrier, so
//     the node runs its ordinary handshake over a serial line;
//   - port loans (Offer, Borrow): whoever in avmsh holds a device (a
//     Transport, a monitor) lends it to a borrower (a flasher) in this or
//     another process through a per-device Unix socket, and gets it back;
//     a Transport reopens the port, re-attaches its listeners and tells
//     OnReopen hooks (serialnode redials from there);
//   - RawPort (OpenRaw): the same exclusive open without the port
//     machinery, for tools with a protocol of their own on the line;
//   - addresses: "serial:/dev/ttyUSB0?baud=921600&parity=none&flow=none"
//     (ParseAddress), node names "ttyUSB0@serial.local" (DefaultNodeName)
//     and the serial creation (Creation = 1).
//
// There is no fragmentation on serial: a data packet is at most 1 MiB
// (MaxDataFrame) in both directions. See docs/serial.md for the user
// guide.
package serialdist

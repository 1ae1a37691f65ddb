// Package dist owns the data phase of Erlang distribution: control
// messages (parsed into normalised Signals and built per peer
// capability), the packet formats (pass-through 'p' packets, the
// distribution header with its atom cache, and fragmented messages) and
// their reassembly.
//
// References: OTP's erl_dist_protocol ("Protocol between Connected
// Nodes") and erl_ext_dist ("Distribution Header"); AtomVM's restrictions
// are ../shared/spec/atomvm-dist.md §2.
package dist

// Package handshake owns the distribution handshake of OTP 23+ (version
// 6, the 'N' send_name), in both roles, over any carrier.Conn: flags,
// creation, challenges from crypto/rand, MD5 digests compared in constant
// time, the statuses ok, ok_simultaneous, nok, not_allowed and alive, and
// the flag requirements of BEAM and AtomVM peers.
//
// Reference: OTP's erl_dist_protocol, "Distribution Handshake", and
// ../shared/spec/atomvm-dist.md §1 for AtomVM's strictness.
package handshake

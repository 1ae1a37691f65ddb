// Package etf owns Erlang's external term format (OTP's erl_ext_dist):
// decoding every tag into the term model of package term, encoding terms
// for BEAM peers and, with ProfileAtomVM, only in the subset AtomVM's
// decoder accepts (atomvm-dist spec §2.6–2.7).
//
// The fast path works on byte slices, for the distribution layer:
//
//	t, n, err := etf.Decode(pkt, 1, &opts)      // 131 <control> at pkt[1]
//	msg, m, err := etf.Decode(pkt, 1+n, &opts)  // 131 <message>
//	ctrl, n, err := etf.DecodeBody(b, off, &etf.DecodeOptions{AtomCache: refs})
//	buf, err = etf.AppendTerm(buf[:0], t, &etf.EncodeOptions{Profile: etf.ProfileAtomVM})
//	buf, err = etf.AppendBody(buf, t, &etf.EncodeOptions{AtomCacheRef: cache.Ref})
//
// DecodeOptions.AtomCache resolves ATOM_CACHE_REF against the atoms of
// the distribution header; EncodeOptions.AtomCacheRef lets the caller
// emit ATOM_CACHE_REF for atoms it has placed in its outgoing cache.
// Decoder and Encoder wrap an io.Reader and io.Writer like encoding/json.
//
// Decoding treats its input as hostile: every length is checked against
// the bytes that remain before anything is allocated, a compressed
// term's declared size is bounded (DecodeOptions.MaxSize) before it is
// inflated, nesting is bounded (DecodeOptions.MaxDepth) while chains of
// list tails are followed iteratively, and no input makes it panic.
// Errors are *DecodeError (offset, tag, message) and *EncodeError (the
// offending term and why); both wrap ErrTruncated, ErrLimit, ErrInvalid
// or ErrUnsupported.
//
// Conversions worth knowing: integers are normalised (term.Int when
// they fit in int64); ATOM_EXT and SMALL_ATOM_EXT text is Latin-1 and
// becomes UTF-8; PID_EXT, PORT_EXT, REFERENCE_EXT and NEW_REFERENCE_EXT
// decode to the same values as their newer forms and are re-encoded as
// NEW_PID_EXT, V4_PORT_EXT and NEWER_REFERENCE_EXT; FUN_EXT (pre-OTP 23)
// decodes to a term.Fun with only OldIndex and OldUniq known; LOCAL_EXT
// extends to the end of its input and is kept as an opaque
// term.LocalExt that re-encodes byte for byte. Maps are encoded in
// term.Map's key order; binary_to_term accepts any order.
package etf

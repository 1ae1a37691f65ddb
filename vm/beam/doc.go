// Package beam reads BEAM object files (.beam) as the Erlang/OTP compiler
// writes them and rebuilds them the way AtomVM's packbeam does.
//
// Parse checks the IFF container ("FOR1" size "BEAM", then 4-byte
// aligned chunks, OTP's beam_lib format; gzip-compressed files as
// written by erlc +compressed are inflated first) with every length
// bounded by the bytes that remain, and decodes what tools need to
// decide about a module before it reaches a node: the module name (the
// first atom of AtU8, or of the Latin-1 Atom chunk of old compilers),
// the export, import and local tables (ExpT, ImpT, LocT), the compiler
// version (CInf) and the Code chunk's header (instruction set, highest
// opcode, labels, functions). It also walks the instructions of the
// Code chunk (generic opcodes of OTP's genop.tab, compact-term operands)
// to learn the set of opcodes the module uses, which tells the oldest
// OTP release that can load it (MinOTP) and whether a given AtomVM can
// (CheckAtomVM: AtomVM aborts the whole VM on an opcode it does not
// know, so this must be known before the module is sent).
//
// Strip rebuilds a module as atomvm_packbeam does for each .beam it
// packs (packbeam_api.erl, parse_file/6 and filter_chunks/2): a
// compressed literal table (LitT) is inflated into an uncompressed LitU
// chunk in its place, then only the chunks AtomVM uses are kept, in
// file order (AtU8 Code ExpT LocT ImpT LitU FunT StrT LitT avmN Type
// Recs, and Line unless lines are removed), and the file is rebuilt with
// beam_lib:build_module/1's layout: "FOR1", size, "BEAM", then each
// chunk's id, size, data and zero padding to 4 bytes.
//
// Everything here treats its input as hostile: no input makes it panic,
// allocations are bounded by the input size (MaxFileSize, and
// MaxInflated for compressed parts), and errors are *FormatError values
// that give the byte offset of the problem.
package beam

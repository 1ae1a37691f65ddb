// Package avm owns AtomVM's application image, the .avm ("packbeam")
// format that gets code onto boards: how it is read, written and built.
//
// Format (atomvm_packbeam's packbeam_api.erl, AtomVM's avmpack.c;
// ../../shared/spec/flashing.md §4): a 24-byte header
// "#!/usr/bin/env AtomVM\n\0\0", then records, each a big-endian u32
// size of the whole record, u32 flags (FlagStart 1, FlagBEAM 2,
// FlagNormal 4), a u32 0, the name NUL-terminated and padded with zeros
// to 4 bytes, and the data padded to 4 bytes; a plain file's data is a
// u32 length then its contents. An end record (size 0, flags 0, 0,
// "end\0") closes the pack.
//
//   - Encode and Decode are the writer and the bounded reader (errors
//     give byte offsets; bytes after the end record, such as erased
//     flash read back from a board, are ignored).
//   - Pack does what packbeam_api:create/3 does with its inputs (.beam
//     files stripped with beam.Strip and named after their module,
//     .avm files merged, other files as plain records), byte for byte.
//   - Collect turns command-line arguments (files, ebin/ directories,
//     rebar3 _build/default/lib trees with their priv/ files) into
//     inputs, for `avmsh pack` and `avmsh load`.
//   - Replace rebuilds a board's .avm with new module versions,
//     ChangedSectors tells which flash sectors that changes, and Extent
//     says how far a pack goes while a board's partition is being read
//     (for `avmsh load --persist`).
package avm

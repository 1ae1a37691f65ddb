// Package corpus owns the shared term corpus for conformance tests: a
// deterministic set of more than 2,000 Go terms covering every term type
// and its edge cases (Entries, Terms), terms made on a live OTP node
// (Live), Erlang source that rebuilds any corpus term on a real node
// (Erlang), and short labels for error messages (Label).
//
// The ETF codec, the printer, RPC and distribution echo tests all use
// it, so that every layer is checked against the same terms.
package corpus

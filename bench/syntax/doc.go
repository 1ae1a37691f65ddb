// Command syntax-bench compares avmsh's term printer and io_lib:format
// (packages syntax and iolib) with OTP's io_lib:format on a real BEAM
// node started by the benchmark: the same terms (sent to the node in
// the external term format) are formatted with the same format strings
// in a loop on both sides, in the same run; it prints the time per call
// and the ratio BEAM/Go (higher is better for avmsh). OTP's side includes
// unicode:characters_to_binary/1, as a Go string is flat UTF-8.
//
//	go run ./bench/syntax [-n 200] [-rounds 3]
package main

// Package iolib owns io_lib:format/2 in Go: every control sequence of
// OTP 25's io_lib_format (~w ~W ~p ~P ~s ~c ~e ~f ~g ~b ~B ~x ~X ~+ ~#
// ~i ~n ~~ with field width, precision, pad character, '-', '*' and the
// t and l modifiers), producing the same characters, and failing with
// ErrBadArg where io_lib:format raises badarg.
//
// It also owns the character data conversions an I/O server needs for
// the io protocol: chardata (deep lists of characters and binaries) to
// text under unicode or latin1 semantics (unicode:characters_to_binary),
// and {put_chars, Encoding, io_lib, format, [Format, Args]} requests.
//
// Terms are printed by package syntax.
package iolib

// Package shellfmt owns how the avmsh shell prints what an evaluation
// produced, exactly as OTP 25's erl shell does: results with the ~p
// printer configured like the shell (column 1, depth 30, line_max_chars
// 60), exceptions with erl_error:format_exception/7 ("** exception
// error: ..." with the "in function"/"in call from" lines and the
// "*** argument N:" explanations of erl_erts_errors), and compile-time
// errors ("* 1:5: variable 'X' is unbound").
package shellfmt

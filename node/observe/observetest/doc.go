// Package observetest provides a fake AtomVM node for tests of code
// that reads nodes through observe.Conn: it answers the calls AtomVM
// answers (erlang:processes/0, lists:zipwith over process_info/2 with
// the items AtomVM has, lists:map over system_info/1, which answers
// undefined for items a platform lacks) and reports any call a real
// board would refuse or hang on.
package observetest

package erltest

import (
	"reflect"
	"testing"
)

func TestSplitPrompts(t *testing.T) {
	out := "Eshell V13.1.5  (abort with ^G)\n1> 3\n2> ** exception error: bad argument\n     in function  element/2\n2> * 1:5: syntax error before: ')'\n3> ok\n4> *** Terminating erlang (nonode@nohost)\n"
	got := SplitPrompts(out)
	want := []string{"3\n", "** exception error: bad argument\n     in function  element/2\n", "* 1:5: syntax error before: ')'\n", "ok\n"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q", got)
	}
}

package rpccmd_test

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"strings"
	"testing"

	rpccmd "github.com/avmsh/avmsh/cmd/avmsh/internal/cmd/rpc"
	"github.com/avmsh/avmsh/cmd/avmsh/internal/cmdtest"
	"github.com/avmsh/avmsh/cmd/avmsh/internal/cmdutil"
	"github.com/avmsh/avmsh/vm/term"
	"github.com/avmsh/avmsh/vm/termjson"
)

func TestRPCResultAndOutput(t *testing.T) {
	e := cmdtest.New(t)
	p := e.StartPeer("")
	name := string(p.Name())

	r := e.Run(rpccmd.NewCmdRPC, "", name, "erlang", "node")
	if r.Code != 0 || r.Out != fmt.Sprintf("'%s'\n", name) {
		t.Fatalf("rpc erlang node: %+v", r)
	}
	// Remote io:format output streams to stdout before the result.
	r = e.Run(rpccmd.NewCmdRPC, "", name, "io", "format", `"hi ~p~n"`, "[there]")
	if r.Code != 0 || r.Out != "hi there\nok\n" {
		t.Fatalf("rpc io format: %+v", r)
	}
	r = e.Run(rpccmd.NewCmdRPC, "", name, "fake", "echo", "--args", `[{a, "b", <<"c">>}]`, "-o", "json")
	v, err := termjson.Unmarshal([]byte(r.Out))
	want := term.Tuple{term.Atom("a"), term.String("b"), term.Binary("c")}
	if r.Code != 0 || err != nil || !term.ExactEqual(v, want) {
		t.Fatalf("rpc -o json: %+v %v", r, err)
	}
	// The command's node: hidden, not listening, named for a long-name
	// peer on loopback, with the environment's cookie.
	cfgs := e.Configs()
	cfg := cfgs[len(cfgs)-1]
	if cfg.Listen || cfg.Visible || !strings.HasSuffix(cfg.Name, "@127.0.0.1") || cfg.Cookie != e.Cookie() {
		t.Fatalf("resolved node config: %+v", cfg)
	}
}

func TestRPCExitCodes(t *testing.T) {
	e := cmdtest.New(t)
	p := e.StartPeer("")
	name := string(p.Name())

	// 1: the function raised; the exception is printed like the shell.
	r := e.Run(rpccmd.NewCmdRPC, "", name, "fake", "fail", "error", "badarg")
	if r.Code != cmdutil.ExitRemote || !strings.Contains(r.Err, "** exception error: bad argument") || r.Out != "" {
		t.Fatalf("exception: %+v", r)
	}
	// 4: no answer within --timeout.
	r = e.Run(rpccmd.NewCmdRPC, "", name, "timer", "sleep", "60000", "--timeout", "200ms")
	if r.Code != cmdutil.ExitTimeout || !strings.Contains(r.Err, "timed out") || !strings.Contains(r.Err, "--timeout") {
		t.Fatalf("timeout: %+v", r)
	}
	// 3: no such node.
	r = e.Run(rpccmd.NewCmdRPC, "", "nobody@127.0.0.1", "erlang", "node")
	if r.Code != cmdutil.ExitUnreachable || !strings.Contains(r.Err, "avmsh names") {
		t.Fatalf("unknown node: %+v", r)
	}
	// 3 as well: no connection within --timeout (a peer that accepts
	// and never answers the handshake).
	silent := fmt.Sprintf("127.0.0.1:%d", cmdtest.SilentListener(t))
	r = e.Run(rpccmd.NewCmdRPC, "", "hung@127.0.0.1", "erlang", "node", "--address", silent, "--timeout", "300ms")
	if r.Code != cmdutil.ExitUnreachable || !strings.Contains(r.Err, "timeout") {
		t.Fatalf("connect timeout: %+v", r)
	}
	// 2: usage errors, before any node is started.
	before := len(e.Configs())
	for _, args := range [][]string{
		{name, "erlang"},
		{name, strings.Repeat("m", 256), "f"},
		{name, "m", "f\xff"},
		{name, "erlang", "node", "{unclosed"},
		{name, "erlang", "node", "\"caf\xe9\""},
		{name, "lists", "sum", "--args", "[1]", "[2]"},
		{name, "lists", "sum", "--args", "x"},
		{name, "erlang", "node", "--binary"},
		{name, "erlang", "node", "-o", "yaml"},
	} {
		r = e.Run(rpccmd.NewCmdRPC, "", args...)
		if r.Code != cmdutil.ExitUsage {
			t.Errorf("rpc %q: want exit 2, got %+v", args, r)
		}
	}
	if n := len(e.Configs()); n != before {
		t.Errorf("a usage error started %d nodes", n-before)
	}
	r = e.Run(rpccmd.NewCmdRPC, "", name, strings.Repeat("m", 256), "f")
	if !strings.Contains(r.Err, "at most 255") {
		t.Errorf("long module name: %+v", r)
	}
	r = e.Run(rpccmd.NewCmdRPC, "", name)
	if !strings.Contains(r.Err, "missing MODULE FUNCTION") || !strings.Contains(r.Err, "rpc --help") {
		t.Errorf("missing arguments: %+v", r)
	}
}

// With -o json an exception is a JSON object on stdout, and a result
// that happens to look similar is not.
func TestRPCJSONException(t *testing.T) {
	e := cmdtest.New(t)
	p := e.StartPeer("")
	name := string(p.Name())
	r := e.Run(rpccmd.NewCmdRPC, "", name, "fake", "fail", "throw", "{oops, 1}", "-o", "json")
	if r.Code != cmdutil.ExitRemote || r.Out != `{"$exception":{"class":"throw","reason":{"$tuple":["oops",1]},"stack":[]}}`+"\n" {
		t.Fatalf("json exception: %+v", r)
	}
	r = e.Run(rpccmd.NewCmdRPC, "", name, "timer", "sleep", "60000", "--timeout", "200ms", "-o", "json")
	if r.Code != cmdutil.ExitTimeout || !strings.Contains(r.Out, `"reason":{"$tuple":["erpc","timeout"]}`) {
		t.Fatalf("json timeout: %+v", r)
	}
	// A map with an $exception key is a $map in the mapping.
	r = e.Run(rpccmd.NewCmdRPC, "", name, "fake", "echo", `#{'$exception' => 1}`, "-o", "json")
	if r.Code != 0 || strings.HasPrefix(r.Out, `{"$exception"`) {
		t.Fatalf("json result: %+v", r)
	}
}

// Arguments from files and stdin: terms and binaries.
func TestRPCArgumentsFromFiles(t *testing.T) {
	e := cmdtest.New(t)
	p := e.StartPeer("")
	name := string(p.Name())
	dir := t.TempDir()
	blob := make([]byte, 3<<20)
	if _, err := rand.Read(blob); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "blob.bin")
	terms := filepath.Join(dir, "args.erl")
	list := filepath.Join(dir, "list.erl")
	for path, data := range map[string][]byte{bin: blob, terms: []byte("{big, \"é\"}.\n"), list: []byte("[[1, 2, 3]]")} {
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	r := e.Run(rpccmd.NewCmdRPC, "", name, "fake", "crc32", "@"+bin, "--binary")
	if r.Code != 0 || r.Out != fmt.Sprintf("%d\n", crc32.ChecksumIEEE(blob)) {
		t.Fatalf("@FILE --binary: %+v", r)
	}
	r = e.RunContext(t.Context(), rpccmd.NewCmdRPC, bytes.NewReader(blob), name, "fake", "crc32", "-", "--binary")
	if r.Code != 0 || r.Out != fmt.Sprintf("%d\n", crc32.ChecksumIEEE(blob)) {
		t.Fatalf("- --binary: %+v", r)
	}
	r = e.Run(rpccmd.NewCmdRPC, "", name, "fake", "echo", "@"+terms)
	if r.Code != 0 || r.Out != "{big,\"é\"}\n" {
		t.Fatalf("@FILE term: %+v", r)
	}
	r = e.Run(rpccmd.NewCmdRPC, "{from, stdin}", name, "fake", "echo", "-")
	if r.Code != 0 || r.Out != "{from,stdin}\n" {
		t.Fatalf("- term: %+v", r)
	}
	r = e.Run(rpccmd.NewCmdRPC, "", name, "lists", "sum", "--args-file", list)
	if r.Code != 0 || r.Out != "6\n" {
		t.Fatalf("--args-file: %+v", r)
	}
	r = e.Run(rpccmd.NewCmdRPC, "[[4]]", name, "lists", "sum", "--args-file", "-")
	if r.Code != 0 || r.Out != "4\n" {
		t.Fatalf("--args-file -: %+v", r)
	}
	// Errors: a missing file, stdin twice, text that is not UTF-8.
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{name, "fake", "echo", "@" + filepath.Join(dir, "none")}, "no such file"},
		{[]string{name, "lists", "append", "-", "-"}, "stdin is already read by argument 1"},
		{[]string{name, "fake", "echo", "@" + bin}, "not valid UTF-8"},
	} {
		r = e.Run(rpccmd.NewCmdRPC, "[]", c.args...)
		if r.Code != cmdutil.ExitUsage || !strings.Contains(r.Err, c.want) {
			t.Errorf("rpc %q: want exit 2 and %q, got %+v", c.args, c.want, r)
		}
	}
}

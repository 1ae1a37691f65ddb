package sendcmd_test

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	sendcmd "github.com/avmsh/avmsh/cmd/avmsh/internal/cmd/send"
	"github.com/avmsh/avmsh/cmd/avmsh/internal/cmdtest"
	"github.com/avmsh/avmsh/cmd/avmsh/internal/cmdutil"
	"github.com/avmsh/avmsh/vm/term"
)

func TestSendToANameAndAPid(t *testing.T) {
	e := cmdtest.New(t)
	p := e.StartPeer("")
	name := string(p.Name())
	r := e.Run(sendcmd.NewCmdSend, "", name, "inbox", `{hello, "you", <<"bin">>}`)
	if r.Code != 0 {
		t.Fatalf("send: %+v", r)
	}
	want := term.Tuple{term.Atom("hello"), term.String("you"), term.Binary("bin")}
	if got := p.Received(t); !term.ExactEqual(got, want) {
		t.Fatalf("inbox got %v", got)
	}
	// <0.X.Y> is a pid of the target.
	text := fmt.Sprintf("<0.%d.%d>", p.Inbox.ID, p.Inbox.Serial)
	r = e.Run(sendcmd.NewCmdSend, "", name, text, "by_pid", "-v")
	if r.Code != 0 || !strings.Contains(r.Err, "sent by_pid") {
		t.Fatalf("send to %s: %+v", text, r)
	}
	if got := p.Received(t); got != term.Atom("by_pid") {
		t.Fatalf("inbox got %v", got)
	}
}

func TestSendFromFilesAndStdin(t *testing.T) {
	e := cmdtest.New(t)
	p := e.StartPeer("")
	name := string(p.Name())
	blob := make([]byte, 2<<20)
	if _, err := rand.Read(blob); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	bin, text := filepath.Join(dir, "blob"), filepath.Join(dir, "msg.erl")
	if err := os.WriteFile(bin, blob, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(text, []byte("{from_file, [1, 2]}.\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if r := e.Run(sendcmd.NewCmdSend, "", name, "inbox", "@"+bin, "--binary"); r.Code != 0 {
		t.Fatalf("send @FILE --binary: %+v", r)
	}
	if got, ok := p.Received(t).(term.Binary); !ok || !bytes.Equal(got, blob) {
		t.Fatalf("inbox got %d bytes, want the file's %d", len(got), len(blob))
	}
	if r := e.Run(sendcmd.NewCmdSend, "", name, "inbox", "@"+text); r.Code != 0 {
		t.Fatalf("send @FILE: %+v", r)
	}
	if got := p.Received(t); !term.ExactEqual(got, term.Tuple{term.Atom("from_file"), term.List{term.Int(1), term.Int(2)}}) {
		t.Fatalf("inbox got %v", got)
	}
	if r := e.Run(sendcmd.NewCmdSend, "raw bytes\xff", name, "inbox", "-", "--binary"); r.Code != 0 {
		t.Fatalf("send - --binary: %+v", r)
	}
	if got := p.Received(t); !term.ExactEqual(got, term.Binary("raw bytes\xff")) {
		t.Fatalf("inbox got %v", got)
	}
}

func TestSendUsage(t *testing.T) {
	e := cmdtest.New(t)
	p := e.StartPeer("")
	name := string(p.Name())
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{name, "inbox"}, "send: missing TERM"},
		{[]string{name, "{x}", "m"}, "neither a registered name nor a pid"},
		{[]string{name, "inbox", "{unclosed"}, "TERM"},
		{[]string{name, "inbox", "hello", "--binary"}, "--binary applies"},
		{[]string{name, "inbox", "\"\xff\""}, "not valid UTF-8"},
	} {
		r := e.Run(sendcmd.NewCmdSend, "", c.args...)
		if r.Code != cmdutil.ExitUsage || !strings.Contains(r.Err, c.want) {
			t.Errorf("send %q: want exit 2 and %q, got %+v", c.args, c.want, r)
		}
	}
	r := e.Run(sendcmd.NewCmdSend, "", "nobody@127.0.0.1", "inbox", "x")
	if r.Code != cmdutil.ExitUnreachable {
		t.Errorf("send to nobody: %+v", r)
	}
}

// A target that takes the message but does not confirm delivery within
// --timeout: exit 4, as every command's timeout.
func TestSendTimeout(t *testing.T) {
	e := cmdtest.New(t)
	p := e.StartPeer("")
	p.MuteNetKernel(t)
	r := e.Run(sendcmd.NewCmdSend, "", string(p.Name()), "inbox", "x", "--timeout", "300ms")
	if r.Code != cmdutil.ExitTimeout || !strings.Contains(r.Err, "did not confirm delivery") {
		t.Fatalf("send timeout: %+v", r)
	}
	if got := p.Received(t); got != term.Atom("x") {
		t.Fatalf("inbox got %v", got)
	}
}

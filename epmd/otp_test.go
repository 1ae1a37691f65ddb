package epmd

import (
	"errors"
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/avmsh/avmsh/internal/erltest"
)

// otpEpmdCmd runs OTP's epmd binary as a client of the epmd on port.
func otpEpmdCmd(t *testing.T, port int, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command("epmd", append([]string{"-port", strconv.Itoa(port)}, args...)...)
	out, err := cmd.CombinedOutput()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run epmd %v: %v", args, err)
	}
	return string(out), code
}

// TestOTPNodesUseOurServer: real erl nodes register in our epmd, find
// each other through it, and OTP's own tools read it.
func TestOTPNodesUseOurServer(t *testing.T) {
	erltest.Require(t)
	s := NewServer(Config{Port: AnyPort}) // all interfaces, like OTP
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	port := s.Port()

	a := erltest.Start(t, erltest.Options{EpmdPort: port, NoStartEpmd: true})
	b := erltest.Start(t, erltest.Options{EpmdPort: port, NoStartEpmd: true, Cookie: a.Cookie})
	h := erltest.Start(t, erltest.Options{EpmdPort: port, NoStartEpmd: true, Hidden: true})

	if got := b.Eval(t, "net_adm:ping('"+a.Name+"')"); got != "pong" {
		t.Fatalf("ping %s from %s through our epmd = %s", a.Name, b.Name, got)
	}

	snap := map[string]RegisteredNode{}
	for _, n := range s.Snapshot() {
		snap[n.Name] = n
	}
	for _, n := range []*erltest.Node{a, b, h} {
		r, ok := snap[n.Alive()]
		if !ok {
			t.Fatalf("%s not in our registry: %+v", n.Name, s.Snapshot())
		}
		// The node uses the creation we answered.
		if got := n.Eval(t, "erlang:system_info(creation)"); got != strconv.FormatUint(uint64(r.Creation), 10) {
			t.Fatalf("%s: creation %s, we answered %d", n.Name, got, r.Creation)
		}
		// OTP's client (erl_epmd) looks it up in our server.
		want := fmt.Sprintf("{port,%d,6}", r.Port)
		if got := a.Eval(t, `erl_epmd:port_please("`+n.Alive()+`", {127,0,0,1})`); got != want {
			t.Fatalf("erl_epmd:port_please(%s) = %s, want %s", n.Alive(), got, want)
		}
	}
	// OTP's erl_epmd announces every node, hidden ones too, as type 77
	// ('M'); 72 is for C nodes (tested with our client below).
	if snap[h.Alive()].NodeType != NodeTypeNormal || snap[a.Alive()].NodeType != NodeTypeNormal {
		t.Fatalf("node types: hidden %d, normal %d", snap[h.Alive()].NodeType, snap[a.Alive()].NodeType)
	}

	// net_adm:names/1 on a real node.
	got := a.Eval(t, `{ok, Ns} = net_adm:names("127.0.0.1"), lists:sort(Ns)`)
	var want []string
	for _, n := range s.Snapshot() {
		want = append(want, fmt.Sprintf("{%q,%d}", n.Name, n.Port))
	}
	wantSorted := a.Eval(t, "lists:sort(["+strings.Join(want, ",")+"])")
	if got != wantSorted {
		t.Fatalf("net_adm:names = %s, want %s", got, wantSorted)
	}

	// OTP's epmd -names prints what we hold.
	out, code := otpEpmdCmd(t, port, "-names")
	if code != 0 || !strings.HasPrefix(out, fmt.Sprintf("epmd: up and running on port %d with data:\n", port)) {
		t.Fatalf("epmd -names: exit %d, %q", code, out)
	}
	for _, n := range []*erltest.Node{a, b, h} {
		line := fmt.Sprintf("name %s at port %d\n", n.Alive(), snap[n.Alive()].Port)
		if !strings.Contains(out, line) {
			t.Fatalf("epmd -names output lacks %q:\n%s", line, out)
		}
	}

	// OTP's epmd -kill is refused while nodes live, and -stop without
	// relaxed checking gets no answer.
	out, code = otpEpmdCmd(t, port, "-kill")
	if code != 1 || !strings.Contains(out, "Killing not allowed - living nodes in database.") {
		t.Fatalf("epmd -kill with live nodes: exit %d, %q", code, out)
	}
	out, code = otpEpmdCmd(t, port, "-stop", a.Alive())
	if code != 1 || !strings.Contains(out, "responded with <>") {
		t.Fatalf("epmd -stop on a strict epmd: exit %d, %q", code, out)
	}
	select {
	case <-s.Done():
		t.Fatal("server stopped by a refused KILL")
	default:
	}

	// A node that dies is unregistered.
	b.Kill()
	waitFor(t, func() bool {
		for _, n := range s.Snapshot() {
			if n.Name == b.Alive() {
				return false
			}
		}
		return true
	})
	// ... and a new node with that name registers with a higher creation.
	old := snap[b.Alive()].Creation
	b2 := erltest.Start(t, erltest.Options{Name: b.Alive(), EpmdPort: port, NoStartEpmd: true, Cookie: a.Cookie})
	if got := b2.Eval(t, "erlang:system_info(creation)"); got != strconv.FormatUint(uint64(old+1), 10) {
		t.Fatalf("creation of the restarted node = %s, want %d", got, old+1)
	}
	if got := b2.Eval(t, "net_adm:ping('"+a.Name+"')"); got != "pong" {
		t.Fatalf("ping after restart = %s", got)
	}
}

// TestOTPEpmdToolRelaxed: with relaxed checking, OTP's epmd -stop and
// -kill are obeyed and get OTP's answers.
func TestOTPEpmdToolRelaxed(t *testing.T) {
	erltest.Require(t)
	s := NewServer(Config{Port: AnyPort, LoopbackOnly: true, RelaxedCommandCheck: true})
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c := NewClient(net.JoinHostPort("127.0.0.1", strconv.Itoa(s.Port())))
	ctx := ctxT(t)
	r1, err := c.Register(ctx, NodeInfo{Name: "keep", Port: 7001})
	if err != nil {
		t.Fatal(err)
	}
	defer r1.Close()
	r2, err := c.Register(ctx, NodeInfo{Name: "drop", Port: 7002})
	if err != nil {
		t.Fatal(err)
	}
	defer r2.Close()
	out, code := otpEpmdCmd(t, s.Port(), "-stop", "drop")
	if code != 0 || strings.TrimSpace(out) != "STOPPED" {
		t.Fatalf("epmd -stop: exit %d, %q", code, out)
	}
	<-r2.Done()
	out, code = otpEpmdCmd(t, s.Port(), "-stop", "ghost")
	if code != 0 || strings.TrimSpace(out) != "NOEXIST" {
		t.Fatalf("epmd -stop unknown: exit %d, %q", code, out)
	}
	out, code = otpEpmdCmd(t, s.Port(), "-dump")
	if code != 0 || !strings.Contains(out, "active name     <keep> at port 7001") || !strings.Contains(out, "old/unused name <drop>, port = 7002") {
		t.Fatalf("epmd -dump: exit %d, %q", code, out)
	}
	out, code = otpEpmdCmd(t, s.Port(), "-kill")
	if code != 0 || strings.TrimSpace(out) != "Killed" {
		t.Fatalf("epmd -kill on a relaxed epmd: exit %d, %q", code, out)
	}
	select {
	case <-s.Done():
	case <-time.After(erltest.Timeout(5 * time.Second)):
		t.Fatal("server still running after epmd -kill")
	}
	<-r1.Done()
}

// TestClientAgainstOTPEpmd: our client against OTP's epmd.
func TestClientAgainstOTPEpmd(t *testing.T) {
	e := erltest.StartEpmd(t)
	c := NewClient(net.JoinHostPort("127.0.0.1", strconv.Itoa(e.Port)))
	ctx := ctxT(t)

	r, err := c.Register(ctx, NodeInfo{Name: "gonode", Port: 6001, Extra: []byte{1, 2, 3}})
	if err != nil {
		t.Fatal(err)
	}
	hid, err := c.Register(ctx, NodeInfo{Name: "gohidden", Port: 6002, NodeType: NodeTypeHidden})
	if err != nil {
		t.Fatal(err)
	}
	defer hid.Close()
	if r.Creation < 4 {
		t.Fatalf("OTP creation %d: want a 32-bit ALIVE2_X_RESP creation", r.Creation)
	}
	info, err := c.Lookup(ctx, "gonode")
	if err != nil || info.Port != 6001 || info.NodeType != NodeTypeNormal || info.HighestVersion != 6 || string(info.Extra) != "\x01\x02\x03" {
		t.Fatalf("lookup = %+v, %v", info, err)
	}
	info, err = c.Lookup(ctx, "gohidden")
	if err != nil || !info.Hidden() || info.Port != 6002 {
		t.Fatalf("lookup hidden = %+v, %v", info, err)
	}
	// IPv6: OTP's epmd also listens on ::1.
	info, err = NewClient(net.JoinHostPort("::1", strconv.Itoa(e.Port))).Lookup(ctx, "gonode")
	if err != nil || info.Port != 6001 {
		t.Fatalf("lookup over IPv6 = %+v, %v", info, err)
	}
	names, err := c.Names(ctx)
	if err != nil || names.Port != e.Port {
		t.Fatalf("names = %+v, %v", names, err)
	}
	seen := map[NameEntry]bool{}
	for _, n := range names.Nodes {
		seen[n] = true
	}
	if !seen[NameEntry{"gonode", 6001}] || !seen[NameEntry{"gohidden", 6002}] {
		t.Fatalf("names = %+v", names.Nodes)
	}
	_, err = c.Register(ctx, NodeInfo{Name: "gonode", Port: 6003})
	if !errors.Is(err, ErrNameTaken) {
		t.Fatalf("duplicate registration with OTP's epmd: %v", err)
	}
	_, err = c.Lookup(ctx, "absent")
	if !errors.Is(err, ErrNotRegistered) || !strings.Contains(err.Error(), fmt.Sprintf(`epmd at 127.0.0.1:%d has no node named "absent"`, e.Port)) {
		t.Fatalf("lookup absent: %v", err)
	}
	if ok, err := c.Kill(ctx); ok || err != nil {
		t.Fatalf("kill OTP epmd with live nodes = %v, %v", ok, err)
	}
	if _, err := c.Stop(ctx, "gonode"); err == nil {
		t.Fatal("STOP answered by a strict OTP epmd")
	}
	_, text, err := c.Dump(ctx)
	if err != nil || !strings.Contains(text, "active name     <gonode> at port 6001") {
		t.Fatalf("dump = %q, %v", text, err)
	}

	// A real erl node registered in OTP's epmd is found by our client.
	n := erltest.Start(t, erltest.Options{EpmdPort: e.Port})
	info, err = c.Lookup(ctx, n.Alive())
	if err != nil {
		t.Fatal(err)
	}
	if got := n.Eval(t, `erl_epmd:port_please("`+n.Alive()+`", {127,0,0,1})`); got != fmt.Sprintf("{port,%d,6}", info.Port) {
		t.Fatalf("our lookup says port %d, erl says %s", info.Port, got)
	}

	// Closing unregisters; OTP bumps the creation on re-registration.
	r.Close()
	waitFor(t, func() bool { _, err := c.Lookup(ctx, "gonode"); return errors.Is(err, ErrNotRegistered) })
	r2, err := c.Register(ctx, NodeInfo{Name: "gonode", Port: 6004})
	if err != nil {
		t.Fatal(err)
	}
	defer r2.Close()
	if r2.Creation != r.Creation+1 {
		t.Fatalf("OTP creation after re-register = %d, want %d", r2.Creation, r.Creation+1)
	}

	// Nothing listening: a typed error.
	e.Stop()
	_, err = c.Names(ctx)
	if !errors.Is(err, ErrNoEpmd) || !strings.Contains(err.Error(), "no epmd listening at 127.0.0.1:") {
		t.Fatalf("names with no epmd: %v", err)
	}
	select {
	case <-r2.Done():
	case <-time.After(erltest.Timeout(5 * time.Second)):
		t.Fatal("registration not ended when OTP's epmd died")
	}
}

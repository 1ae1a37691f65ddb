package erlang_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"strings"
	"time"

	"github.com/avmsh/avmsh/erlang"
	"github.com/avmsh/avmsh/vm/term"
)

// Start a node and call a function on a BEAM node.
func ExampleStart() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	n, err := erlang.Start(ctx, erlang.Config{Name: "gopher@127.0.0.1", Cookie: cookie})
	if err != nil {
		log.Fatal(err)
	}
	defer n.Stop()
	fmt.Println(n.Name())

	v, err := n.Call(ctx, term.Atom(peer), "lists", "seq", term.Int(1), term.Int(5))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(erlang.Format(v))
	// Output:
	// gopher@127.0.0.1
	// [1,2,3,4,5]
}

// A node that listens is registered with epmd: BEAM nodes reach it by
// name, and it is visible in their nodes().
func ExampleStart_listen() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	n, err := erlang.Start(ctx, erlang.Config{Name: "listener@127.0.0.1", Cookie: cookie, Listen: true, Visible: true})
	if err != nil {
		log.Fatal(err)
	}
	defer n.Stop()
	// BEAM finds it in epmd (erl_epmd:port_please/2) ...
	v, err := n.Call(ctx, term.Atom(peer), "erl_epmd", "port_please", term.Atom("listener"), term.Tuple{term.Int(127), term.Int(0), term.Int(0), term.Int(1)})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(v.(term.Tuple)[1] == term.Int(n.ListenPort()))
	// ... and lists it in nodes().
	v, err = n.Call(ctx, term.Atom(peer), "erlang", "nodes")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(erlang.Format(v))
	// Output:
	// true
	// ['listener@127.0.0.1']
}

// TLS distribution, compatible with erl -proto_dist inet_tls.
func ExampleStart_tls() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	n, err := erlang.Start(ctx, erlang.Config{
		Name:   "tls_gopher@127.0.0.1",
		Cookie: cookie,
		TLS:    &erlang.TLS{CertFile: certFile, KeyFile: keyFile, CAFile: caFile},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer n.Stop()
	v, err := n.Call(ctx, term.Atom(tlsPeer), "erlang", "node")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(v, n.Peers()[0].Transport)
	// Output: secure@127.0.0.1 tls
}

// Connect to the node on the other end of a serial line: an AtomVM
// board running serial_dist on its UART (here a BEAM node behind a
// serial bridge). The handshake tells the node's name.
func ExampleNode_ConnectSerial() {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	n, err := erlang.Start(ctx, erlang.Config{Name: "gopher@serial.local", Cookie: cookie})
	if err != nil {
		log.Fatal(err)
	}
	defer n.Stop()
	board, err := n.ConnectSerial(ctx, "serial:"+serialDevice+"?baud=115200")
	if err != nil {
		log.Fatal(err)
	}
	v, err := n.Call(ctx, board, "erlang", "system_info", term.Atom("machine"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(board, n.Peers()[0].Transport, erlang.Format(v))
	// Output: demo@127.0.0.1 serial "BEAM"
}

// A remote exception is an *erlang.Exception.
func ExampleNode_Call_exception() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	n, err := erlang.Start(ctx, erlang.Config{Name: "exc@127.0.0.1", Cookie: cookie})
	if err != nil {
		log.Fatal(err)
	}
	defer n.Stop()
	_, err = n.Call(ctx, term.Atom(peer), "erlang", "binary_to_atom", term.Int(42))
	var e *erlang.Exception
	if errors.As(err, &e) {
		fmt.Println(e.Class, e.Reason)
	}
	_, err = n.Call(ctx, term.Atom(peer), "erlang", "throw", term.Atom("oops"))
	if errors.As(err, &e) {
		fmt.Println(e.Class, e.Reason)
	}
	// Output:
	// error badarg
	// throw oops
}

// The context's deadline is the call's timeout.
func ExampleNode_Call_timeout() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	n, err := erlang.Start(ctx, erlang.Config{Name: "slow@127.0.0.1", Cookie: cookie})
	if err != nil {
		log.Fatal(err)
	}
	defer n.Stop()
	if err := n.Connect(ctx, term.Atom(peer)); err != nil {
		log.Fatal(err)
	}
	short, cancelShort := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancelShort()
	_, err = n.Call(short, term.Atom(peer), "timer", "sleep", term.Atom("infinity"))
	fmt.Println(errors.Is(err, erlang.ErrTimeout))
	// Output: true
}

// A Go function BEAM (or AtomVM) code calls with erpc:call or rpc:call.
func ExampleNode_Register() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	n, err := erlang.Start(ctx, erlang.Config{Name: "server@127.0.0.1", Cookie: cookie})
	if err != nil {
		log.Fatal(err)
	}
	defer n.Stop()
	n.Register("gomath", "add", 2, func(ctx context.Context, c erlang.Caller, args []term.Term) (term.Term, error) {
		a, ok1 := args[0].(term.Int)
		b, ok2 := args[1].(term.Int)
		if !ok1 || !ok2 {
			return nil, erlang.Error(term.Atom("badarg"))
		}
		return a + b, nil
	})
	// The peer calls into Go: erpc:call('server@127.0.0.1', gomath, add, [2, 3]).
	v, err := n.Call(ctx, term.Atom(peer), "erpc", "call", n.Name(), term.Atom("gomath"), term.Atom("add"), term.List{term.Int(2), term.Int(3)})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(v)
	// ... and gets Go's exception back (erpc:call wraps an error raised
	// on the node it called as {exception, Reason, Stack}).
	_, err = n.Call(ctx, term.Atom(peer), "erpc", "call", n.Name(), term.Atom("gomath"), term.Atom("add"), term.List{term.Int(2), term.Atom("x")})
	fmt.Println(err)
	// Output:
	// 5
	// erpc:call/4 on demo@127.0.0.1 raised error {exception,badarg,[{gomath,add,[2,x],[]}]}
}

// Send a message to a registered process on another node, and receive
// the answer in a Go-side process.
func ExampleProcess_Send() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	n, err := erlang.Start(ctx, erlang.Config{Name: "sender@127.0.0.1", Cookie: cookie})
	if err != nil {
		log.Fatal(err)
	}
	defer n.Stop()
	p, err := n.NewProcess(erlang.ProcessOptions{})
	if err != nil {
		log.Fatal(err)
	}
	defer p.Close()
	// The peer runs an echo server registered as echo:
	//   receive {From, Msg} -> From ! {echo, Msg} end
	dest := term.Tuple{term.Atom("echo"), term.Atom(peer)}
	if err := p.Send(dest, term.Tuple{p.Pid(), term.Binary("hello")}); err != nil {
		log.Fatal(err)
	}
	reply, err := p.Receive(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(erlang.Format(reply))
	// Output: {echo,<<"hello">>}
}

// A registered Go process receives what Erlang code sends to
// {Name, Node}; ReceiveMatch is a selective receive.
func ExampleProcess_ReceiveMatch() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	n, err := erlang.Start(ctx, erlang.Config{Name: "receiver@127.0.0.1", Cookie: cookie})
	if err != nil {
		log.Fatal(err)
	}
	defer n.Stop()
	inbox, err := n.NewProcess(erlang.ProcessOptions{Name: "inbox"})
	if err != nil {
		log.Fatal(err)
	}
	defer inbox.Close()
	// The peer sends two messages: {inbox, 'receiver@127.0.0.1'} ! ...
	to := term.Tuple{term.Atom("inbox"), n.Name()}
	for _, msg := range []term.Term{term.Atom("first"), term.Tuple{term.Atom("temperature"), term.Int(21)}} {
		if _, err := n.Call(ctx, term.Atom(peer), "erlang", "send", to, msg); err != nil {
			log.Fatal(err)
		}
	}
	isReading := func(m term.Term) bool {
		t, ok := m.(term.Tuple)
		return ok && len(t) == 2 && t[0] == term.Atom("temperature")
	}
	reading, _ := inbox.ReceiveMatch(ctx, isReading)
	first, _ := inbox.Receive(ctx)
	fmt.Println(erlang.Format(reading), first)
	// Output: {temperature,21} first
}

// Monitor a process on another node.
func ExampleProcess_Monitor() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	n, err := erlang.Start(ctx, erlang.Config{Name: "watcher@127.0.0.1", Cookie: cookie})
	if err != nil {
		log.Fatal(err)
	}
	defer n.Stop()
	p, err := n.NewProcess(erlang.ProcessOptions{})
	if err != nil {
		log.Fatal(err)
	}
	defer p.Close()
	// A process on the peer: spawn(timer, sleep, [infinity]).
	pid, err := n.Call(ctx, term.Atom(peer), "erlang", "spawn", term.Atom("timer"), term.Atom("sleep"), term.List{term.Atom("infinity")})
	if err != nil {
		log.Fatal(err)
	}
	ref, err := p.Monitor(pid)
	if err != nil {
		log.Fatal(err)
	}
	if _, err := n.Call(ctx, term.Atom(peer), "erlang", "exit", pid, term.Atom("kill")); err != nil {
		log.Fatal(err)
	}
	down, err := p.Receive(ctx) // {'DOWN', Ref, process, Pid, Reason}
	if err != nil {
		log.Fatal(err)
	}
	d := down.(term.Tuple)
	fmt.Println(d[0], d[1] == ref, d[3] == pid, d[4])
	// Output: DOWN true true killed
}

// Watch connections come and go.
func ExampleNode_NodeEvents() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	n, err := erlang.Start(ctx, erlang.Config{Name: "events@127.0.0.1", Cookie: cookie})
	if err != nil {
		log.Fatal(err)
	}
	defer n.Stop()
	events := n.NodeEvents(ctx)
	if err := n.Connect(ctx, term.Atom(peer)); err != nil {
		log.Fatal(err)
	}
	ev := <-events
	fmt.Println(ev.Node, ev.Up)
	n.Disconnect(term.Atom(peer))
	ev = <-events
	fmt.Println(ev.Node, ev.Up)
	// Output:
	// demo@127.0.0.1 true
	// demo@127.0.0.1 false
}

// Remote output comes to the node's group leader: Config.Output.
func ExampleConfig_output() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	n, err := erlang.Start(ctx, erlang.Config{Name: "output@127.0.0.1", Cookie: cookie, Output: os.Stdout})
	if err != nil {
		log.Fatal(err)
	}
	defer n.Stop()
	_, err = n.Call(ctx, term.Atom(peer), "io", "format", term.Binary("hello from ~s~n"), term.List{term.Atom(peer)})
	if err != nil {
		log.Fatal(err)
	}
	// Output: hello from demo@127.0.0.1
}

// A group leader of its own for one process: its remote calls write to
// a buffer and read their input from a string.
func ExampleNode_NewGroupLeader() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	n, err := erlang.Start(ctx, erlang.Config{Name: "gl@127.0.0.1", Cookie: cookie})
	if err != nil {
		log.Fatal(err)
	}
	defer n.Stop()
	var out strings.Builder
	g, err := n.NewGroupLeader(&out, erlang.Lines(strings.NewReader("yes\n"), &out))
	if err != nil {
		log.Fatal(err)
	}
	defer g.Stop()
	p, err := n.NewProcess(erlang.ProcessOptions{GroupLeader: g.Pid()})
	if err != nil {
		log.Fatal(err)
	}
	defer p.Close()
	answer, err := p.Call(ctx, term.Atom(peer), "io", "get_line", term.Binary("Continue? "))
	if err != nil {
		log.Fatal(err)
	}
	if _, err := p.Call(ctx, term.Atom(peer), "io", "format", term.Binary("done~n")); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%q %s\n", out.String(), erlang.Format(answer))
	// Output: "Continue? done\n" "yes\n"
}

// Format and ParseTerm convert between terms and Erlang syntax.
func ExampleParseTerm() {
	t, err := erlang.ParseTerm(`{ok, #{name => <<"pico">>, pins => [25, 26]}}.`)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(erlang.Format(t))
	// Output: {ok,#{name => <<"pico">>,pins => [25,26]}}
}

package corpus

import (
	"context"
	"fmt"
	"strings"

	"github.com/avmsh/avmsh/internal/erltest"
	"github.com/avmsh/avmsh/vm/etf"
	"github.com/avmsh/avmsh/vm/term"
)

// LiveKey is the key under which Live leaves the list of its terms in
// the process dictionary of the node's evaluator, so that a test can
// compare what it sends back with the originals:
// `lists:nth(I, get(avmsh_corpus_live))` is the I-th (1-based) entry.
const LiveKey = "avmsh_corpus_live"

// liveExprs are terms that only a running node can make, with labels.
var liveExprs = []struct{ label, expr string }{
	{"live/self", "self()"},
	{"live/make_ref", "make_ref()"},
	{"live/monitor_ref", "begin AvmshR = erlang:monitor(process, self()), erlang:demonitor(AvmshR), AvmshR end"},
	{"live/alias", "begin AvmshA = erlang:alias(), erlang:unalias(AvmshA), AvmshA end"},
	{"live/dead_pid", "spawn(fun() -> ok end)"},
	{"live/open_port", `begin AvmshP = open_port({spawn, "cat"}, []), port_close(AvmshP), AvmshP end`},
	{"live/first_port", "hd(erlang:ports())"},
	{"live/fun_free_vars", "avmsh_corpus_live:mk(self(), {a, <<\"b\">>, 3.5})"},
	{"live/fun_no_free_vars", "avmsh_corpus_live:plain()"},
	{"live/eval_fun", "fun(AvmshX) -> AvmshX + 1 end"},
	{"live/export_fun", "fun lists:map/2"},
	{"live/remote_pid", `binary_to_term(<<131,88,119,22,"avmsh_remote@127.0.0.1",77:32,3:32,9:32>>)`},
	{"live/remote_ref", `binary_to_term(<<131,90,3:16,119,22,"avmsh_remote@127.0.0.1",9:32,1:32,2:32,3:32>>)`},
	{"live/node", "node()"},
	{"live/timestamp", "erlang:timestamp()"},
	{"live/refc_binary", "binary:copy(<<\"xyz\">>, 40000)"},
	{"live/sub_binary", "binary:part(binary:copy(<<\"abcdef\">>, 100), 3, 200)"},
	{"live/bitstring", "<<1:3, 2:7>>"},
	{"live/hash_map", "maps:from_list([{I, I * I} || I <- lists:seq(1, 100)])"},
	{"live/big_seq", "lists:seq(1, 300)"},
	{"live/otp_release", "erlang:system_info(otp_release)"},
	{"live/pid_in_tuple", "{self(), make_ref(), node(), [self()]}"},
}

const liveModule = `begin
  AvmshForms = [begin {ok, AvmshT, _} = erl_scan:string(AvmshS), {ok, AvmshF} = erl_parse:parse_form(AvmshT), AvmshF end
    || AvmshS <- ["-module(avmsh_corpus_live).", "-export([mk/2, plain/0]).",
                  "mk(X, Y) -> fun(Z) -> {X, Y, Z} end.", "plain() -> fun(Z) -> Z * 2 end."]],
  {ok, avmsh_corpus_live, AvmshBin} = compile:forms(AvmshForms),
  {module, avmsh_corpus_live} = code:load_binary(avmsh_corpus_live, "avmsh_corpus_live.erl", AvmshBin),
  ok
end`

// Live makes terms on the node n — self(), references, ports, local
// funs with free variables, a remote-looking pid and more — and returns
// them decoded from the node's own term_to_binary output. It also
// stores the list under LiveKey in the evaluator's process dictionary.
func Live(ctx context.Context, n *erltest.Node) ([]Entry, error) {
	if _, err := n.Call(ctx, liveModule); err != nil {
		return nil, fmt.Errorf("corpus: load helper module on %s: %w", n.Name, err)
	}
	exprs := make([]string, len(liveExprs))
	for i, e := range liveExprs {
		exprs[i] = e.expr
	}
	res, err := n.Call(ctx, fmt.Sprintf("begin AvmshLive = [%s], put(%s, AvmshLive), AvmshLive end", strings.Join(exprs, ",\n"), LiveKey))
	if err != nil {
		return nil, fmt.Errorf("corpus: make live terms on %s: %w", n.Name, err)
	}
	t, err := etf.Unmarshal(res.ETF)
	if err != nil {
		return nil, fmt.Errorf("corpus: decode live terms from %s: %w", n.Name, err)
	}
	l, ok := term.AsList(t)
	if !ok || len(l) != len(liveExprs) {
		return nil, fmt.Errorf("corpus: live terms from %s: got %s, want a list of %d", n.Name, Label(t), len(liveExprs))
	}
	out := make([]Entry, len(l))
	for i, x := range l {
		out[i] = Entry{Label: liveExprs[i].label, Term: x}
	}
	return out, nil
}

package main

// benchErl runs the BEAM side: counters, blasters, pongers. Times are
// erlang:system_time(microsecond), the same wall clock as Go's
// time.Now() on this machine, so a duration can start on one node and
// end on another.
const benchErl = `-module(bench).
-export([setup/0, counter/2, blast/4, ponger/0, pinger/2, spawn_idle/1, ts/0]).
ts() -> erlang:system_time(microsecond).
%% setup(): a registered process that keeps the pids Go sends it.
setup() ->
    register(bench_setup, spawn(fun Loop() -> receive {put, K, V} -> persistent_term:put(K, V), Loop() end end)),
    ok.
%% counter(Report, Tag): count {m, I, Bin} until {done, N}, then report
%% {counted, Tag, N, Time}.
counter(Report, Tag) -> spawn(fun() -> count(Report, Tag, 0) end).
count(Report, Tag, N) ->
    receive
        {m, _, _} -> count(Report, Tag, N + 1);
        {done, Want} when Want =:= N -> Report ! {counted, Tag, N, ts()}
    end.
%% blast(To, N, Size, Report): send N {m, I, <<Size bytes>>} and {done, N}
%% to To, then report {sent, Time at the first send}.
blast(To, N, Size, Report) ->
    spawn(fun() ->
        B = binary:copy(<<"x">>, Size),
        T0 = ts(),
        send(To, 0, N, B),
        To ! {done, N},
        Report ! {sent, T0}
    end).
send(_, N, N, _) -> ok;
send(To, I, N, B) -> To ! {m, I, B}, send(To, I + 1, N, B).
ponger() -> spawn(fun Loop() -> receive {ping, From} -> From ! pong, Loop() end end).
pinger(To, N) -> {T, ok} = timer:tc(fun() -> ping(To, N) end), T.
ping(_, 0) -> ok;
ping(To, N) -> To ! {ping, self()}, receive pong -> ping(To, N - 1) end.
%% spawn_idle(N): bytes of erlang:memory(processes) per idle process.
spawn_idle(N) ->
    erlang:garbage_collect(),
    Before = erlang:memory(processes),
    Ps = [spawn(fun() -> receive stop -> ok end end) || _ <- lists:seq(1, N)],
    After = erlang:memory(processes),
    [P ! stop || P <- Ps],
    (After - Before) / N.
`

%% A library module with funs (FunT), literals (LitT), maps and a
%% receive loop (the kind of process a code reload replaces).
-module(counter).
-export([new/0, loop/1, table/0, apply_all/2]).

new() -> spawn(fun() -> loop(#{count => 0}) end).

loop(#{count := N} = S) ->
    receive
        {incr, By} -> loop(S#{count := N + By});
        {get, From} -> From ! {count, N}, loop(S);
        stop -> ok
    end.

table() ->
    [{one, 1, "one", <<"1">>}, {two, 2, "two", <<"2">>}, {three, 3.0, [a, b, c], #{k => v}}].

apply_all(Fs, X) -> [F(X) || F <- Fs].

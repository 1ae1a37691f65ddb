%% A start module: exports start/0, uses a binary literal and io.
-module(hello).
-export([start/0, greet/1]).

start() ->
    io:format("~s~n", [greet(<<"world">>)]).

greet(Name) ->
    <<"hello ", Name/binary>>.

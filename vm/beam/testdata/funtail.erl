%% The last function of the Code chunk is a fun that calls a typed
%% register (call_fun2 safe, {tr, {x,1}, fun type}) whose type index is
%% larger than the bytes left in the chunk after it, as in the sets
%% module of AtomVM's estdlib compiled by OTP 25.
-module(funtail).
-export([filter/2, a/1, b/1, c/1, d/1, e/1, f/1, g/1]).
a(X) when is_binary(X) -> {X, byte_size(X)}.
b(X) when is_list(X) -> {X, length(X)}.
c(X) when is_map(X) -> {X, map_size(X)}.
d(X) when is_tuple(X) -> {X, tuple_size(X)}.
e(X) when is_integer(X), X > 0, X < 100 -> {X, X + 1}.
f(X) when is_float(X) -> {X, X * 2.0}.
g(X) when is_atom(X) -> {X, atom_to_list(X)}.
filter(F, M) when is_function(F, 1) -> maps:filter(fun(K, _) -> F(K) end, M).

%% A module without line information worth keeping and with a float,
%% a big integer and a string literal.
-module(util).
-export([pi/0, big/0, name/0]).

pi() -> 3.14159.
big() -> 123456789012345678901234567890.
name() -> "util".

%% Compiled with OTP 25's erlc, then future.beam's Code header was
%% patched to say it uses opcodes up to 182 (OTP 26's bs_match), as a
%% module compiled by a newer OTP would: see beam_test.go.
-module(future).
-export([answer/0]).

answer() -> 42.

//go:build !windows

// Command persist measures the flash step of `avmsh load --persist` on a
// simulated ESP32 (internal/espsim, paced at the line rate: baud/10
// bytes per second each way) behind a socat pty pair, against what a
// developer does without it: write the whole re-packed .avm with
// Espressif's esptool-js (under Node, the anchor; `rebar3 atomvm
// esp32_flash` runs esptool the same way), or with `avmsh flash`.
//
//	go run ./bench/persist [-baud 460800] [-modules 24] [-module-size 4096]
//
// The board holds an .avm of -modules code-like modules; one module in
// the middle changes (and grows by 40 bytes, so the modules after it
// move). Each tool starts on a fresh board in its ROM loader holding the
// old .avm, at 115200 baud, uploads its stub and switches to -baud:
//
//   - esptool-js writes the new .avm whole (compressed) and checks its MD5;
//   - `avmsh flash` compares sector MD5s and writes the sectors that differ;
//   - the persist step (espflash.Run with a Rebuild job, in process, as
//     `avmsh load --persist` runs it after the load) reads the board's
//     .avm, rebuilds it, compares and writes the sectors that differ.
//
// Every run checks the board's flash afterwards.
package main

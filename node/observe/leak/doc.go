// Package leak is the leak watch: per-node time series kept over a
// session (memory total and process count on BEAM; process count and,
// on ESP32 boards, free heap, minimum free heap since boot and largest
// free block on AtomVM; per-process memory everywhere), in bounded ring
// buffers. A least-squares line over the last N samples flags steady
// growth (or, for free-heap figures, steady shrinking): the change it
// predicts over the window must pass a configurable share of the
// series' mean, and the fit must be good enough (R²) that a noisy flat
// series is not taken for a trend. Items a node does not report stay
// absent, never 0. Sparkline renders a series as plain text runes.
package leak

package main

import (
	"fmt"
	"io"
	"slices"
)

// row compares measure key with anchor key, round by round.
type row struct {
	label, key, anchor string
	unit               string // "/s", "us" or "B"
	target             string
}

var rows = []row{
	{"throughput avmsh→BEAM vs BEAM→BEAM", "ab", "bb", "/s", ">= 1.5x"},
	{"throughput BEAM→avmsh vs BEAM→BEAM", "ba", "bb", "/s", ">= 1.5x"},
	{"  floor: raw Go→BEAM vs BEAM→BEAM", "rb", "bb", "/s", ""},
	{"  floor: BEAM→raw Go vs BEAM→BEAM", "br", "bb", "/s", ""},
	{"  avmsh→BEAM vs raw Go→BEAM", "ab", "rb", "/s", ""},
	{"  BEAM→avmsh vs BEAM→raw Go", "ba", "br", "/s", ""},
	{"  floor: raw Go encoding each message→BEAM", "rbE", "bb", "/s", ""},
	{"  floor: BEAM→raw Go decoding each message", "brD", "bb", "/s", ""},
	{"  avmsh→BEAM vs raw Go encoding each", "ab", "rbE", "/s", ">= 0.9x"},
	{"  BEAM→avmsh vs raw Go decoding each", "ba", "brD", "/s", ">= 0.9x"},
	{"64 KiB avmsh→BEAM vs BEAM→BEAM", "abB", "bbB", "/s", ">= 1.0x"},
	{"64 KiB BEAM→avmsh vs BEAM→BEAM", "baB", "bbB", "/s", ">= 1.0x"},
	{"  floor: 64 KiB raw Go→BEAM vs BEAM→BEAM", "rbB", "bbB", "/s", ""},
	{"  floor: 64 KiB BEAM→raw Go vs BEAM→BEAM", "brB", "bbB", "/s", ""},
	{"  64 KiB avmsh→BEAM vs raw Go→BEAM", "abB", "rbB", "/s", ""},
	{"  64 KiB BEAM→avmsh vs BEAM→raw Go", "baB", "brB", "/s", ""},
	{"  floor: 64 KiB raw Go encoding each→BEAM", "rbEB", "bbB", "/s", ""},
	{"  floor: 64 KiB BEAM→raw Go decoding each", "brDB", "bbB", "/s", ""},
	{"  64 KiB avmsh→BEAM vs raw Go encoding each", "abB", "rbEB", "/s", ">= 0.9x"},
	{"  64 KiB BEAM→avmsh vs raw Go decoding each", "baB", "brDB", "/s", ">= 0.9x"},
	{"ping-pong RTT avmsh↔BEAM vs BEAM↔BEAM", "rttAB", "rttBB", "us", "<= 1.0x"},
	{"  floor: RTT raw Go↔BEAM vs BEAM↔BEAM", "rttRB", "rttBB", "us", ""},
	{"  RTT avmsh↔BEAM vs raw Go↔BEAM", "rttAB", "rttRB", "us", "<= 1.1x"},
	{"  floor: RTT raw Go, reader goroutine↔BEAM", "rttHB", "rttBB", "us", ""},
	{"  RTT avmsh↔BEAM vs raw Go, reader goroutine", "rttAB", "rttHB", "us", "<= 1.1x"},
	{"(reference) throughput avmsh→avmsh", "aa", "", "/s", ""},
	{"(reference) RTT avmsh↔avmsh", "rttAA", "", "us", ""},
	{"memory per idle process (SpawnHandler) vs BEAM", "memAv", "memBEAM", "B", "<= 2048 B"},
	{"  goroutine process (Spawn) vs BEAM", "memAvG", "memBEAM", "B", ""},
	{"  floor: parked goroutine + mailbox vs BEAM", "memFloor", "memBEAM", "B", ""},
	{"  goroutine process vs the floor", "memAvG", "memFloor", "B", "<= 1.1x"},
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func values(rounds []sample, key string) []float64 {
	var out []float64
	for _, s := range rounds {
		if v, ok := s[key]; ok {
			out = append(out, v)
		}
	}
	return out
}

func format(v float64, unit string) string {
	switch unit {
	case "/s":
		return fmt.Sprintf("%.0f/s", v)
	case "us":
		return fmt.Sprintf("%.1fus", v)
	}
	return fmt.Sprintf("%.0f B", v)
}

// report prints one line per row: medians over the rounds, the median of
// the per-round ratios and their range.
func report(w io.Writer, rounds []sample) {
	fmt.Fprintf(w, "%-44s %12s %12s %8s %15s  %s\n", "measure (median of rounds)", "avmsh", "anchor", "ratio", "ratio range", "target")
	for _, r := range rows {
		vs := values(rounds, r.key)
		if len(vs) == 0 {
			continue
		}
		if r.anchor == "" {
			fmt.Fprintf(w, "%-44s %12s\n", r.label, format(median(vs), r.unit))
			continue
		}
		var ratios, as []float64
		for _, s := range rounds {
			v, ok1 := s[r.key]
			a, ok2 := s[r.anchor]
			if ok1 && ok2 && a > 0 {
				ratios = append(ratios, v/a)
				as = append(as, a)
			}
		}
		if len(ratios) == 0 {
			continue
		}
		fmt.Fprintf(w, "%-44s %12s %12s %7.2fx %6.2fx–%.2fx  %s\n", r.label, format(median(vs), r.unit), format(median(as), r.unit),
			median(ratios), slices.Min(ratios), slices.Max(ratios), r.target)
	}
}

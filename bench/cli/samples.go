package main

import (
	"os"
	"slices"
	"syscall"
	"time"
)

// sample is one run of a tool.
type sample struct {
	wall, cpu     time.Duration
	minflt, ctxsw int64
}

func (s *sample) usage(ps *os.ProcessState) {
	if ps == nil {
		return
	}
	s.cpu = ps.UserTime() + ps.SystemTime()
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		s.minflt = ru.Minflt
		s.ctxsw = ru.Nvcsw + ru.Nivcsw
	}
}

type samples []sample

func (s samples) median() time.Duration { return s.pct(50) }

// pct is the p-th percentile of the wall times.
func (s samples) pct(p int) time.Duration {
	return percentile(s, p, func(x sample) time.Duration { return x.wall })
}

func (s samples) medianCPU() time.Duration {
	return percentile(s, 50, func(x sample) time.Duration { return x.cpu })
}

func (s samples) medianInt(f func(sample) int64) int64 { return percentile(s, 50, f) }

func percentile[T int64 | time.Duration](s samples, p int, f func(sample) T) T {
	v := make([]T, len(s))
	for i, x := range s {
		v[i] = f(x)
	}
	slices.Sort(v)
	return v[(len(v)-1)*p/100]
}

package leak

import (
	"math"
	"strings"
	"time"
)

// Sample is one value of a series at a moment.
type Sample struct {
	At time.Time
	V  float64
}

// Ring keeps the last Cap samples of a series. Its memory grows with
// the samples added, up to the capacity, at 8 bytes a sample (the time
// in milliseconds from the ring's base, the value as a float32: ample
// for a trend): a dashboard follows hundreds of series.
type Ring struct {
	buf   []point
	cap   int
	start int
	base  int64 // Unix nanoseconds the points' times count from
}

// point is a sample as stored.
type point struct {
	ms int32 // milliseconds from Ring.base
	v  float32
}

// NewRing returns a ring of capacity c (at least 2).
func NewRing(c int) *Ring { return &Ring{cap: max(c, 2)} }

// Add appends a sample, dropping the oldest when full.
func (r *Ring) Add(s Sample) {
	at := s.At.UnixNano()
	if len(r.buf) == 0 {
		r.base = at
	}
	off := (at - r.base) / 1e6
	if off > math.MaxInt32/2 || off < math.MinInt32/2 { // weeks: count from the oldest sample again
		r.rebase(at)
		off = (at - r.base) / 1e6
		if off > math.MaxInt32 || off < math.MinInt32 { // older than 24 days: a new series
			r.buf, r.start, r.base, off = r.buf[:0], 0, at, 0
		}
	}
	p := point{ms: int32(off), v: float32(s.V)}
	if len(r.buf) < r.cap {
		r.buf = append(r.buf, p)
		return
	}
	r.buf[r.start] = p
	r.start = (r.start + 1) % len(r.buf)
}

// rebase makes the oldest sample the base (times then fit in int32 ms
// for 24 days past it), or at when the ring is empty.
func (r *Ring) rebase(at int64) {
	if len(r.buf) == 0 {
		r.base = at
		return
	}
	shift := int32(r.at(0).ms)
	for i := range r.buf {
		r.buf[i].ms -= shift
	}
	r.base += int64(shift) * 1e6
}

// Len is the number of samples held.
func (r *Ring) Len() int { return len(r.buf) }

// at is the i-th oldest sample held.
func (r *Ring) at(i int) point { return r.buf[(r.start+i)%len(r.buf)] }

// nanos is a point's time in Unix nanoseconds.
func (r *Ring) nanos(p point) int64 { return r.base + int64(p.ms)*1e6 }

// Last returns up to n of the newest samples, oldest first.
func (r *Ring) Last(n int) []Sample {
	n = min(n, len(r.buf))
	out := make([]Sample, n)
	for i := range n {
		p := r.at(len(r.buf) - n + i)
		out[i] = Sample{At: time.Unix(0, r.nanos(p)), V: float64(p.v)}
	}
	return out
}

// Values returns up to n of the newest values, oldest first.
func (r *Ring) Values(n int) []float64 {
	n = min(n, len(r.buf))
	out := make([]float64, n)
	for i := range out {
		out[i] = float64(r.at(len(r.buf) - n + i).v)
	}
	return out
}

// Fit is a least-squares line through samples.
type Fit struct {
	N     int
	Span  time.Duration // from the first sample to the last
	Slope float64       // units per second
	Mean  float64
	// R2 is the coefficient of determination: 1 for points on the
	// line, near 0 for noise around a flat mean.
	R2 float64
}

// Change is the change the line predicts over its span.
func (f Fit) Change() float64 { return f.Slope * f.Span.Seconds() }

// LeastSquares fits a line through the samples (time in seconds from
// the first). ok is false with fewer than 3 samples or no time between
// them.
func LeastSquares(s []Sample) (f Fit, ok bool) {
	if len(s) == 0 {
		return Fit{}, false
	}
	t0 := s[0].At
	return fit(len(s), func(i int) (float64, float64) { return s[i].At.Sub(t0).Seconds(), s[i].V })
}

// fitLast fits a line through the n newest samples of r without copying
// them.
func (r *Ring) fitLast(n int) (Fit, bool) {
	n = min(n, len(r.buf))
	first := len(r.buf) - n
	if n == 0 {
		return Fit{}, false
	}
	t0 := r.at(first).ms
	return fit(n, func(i int) (float64, float64) {
		p := r.at(first + i)
		return float64(p.ms-t0) / 1e3, float64(p.v)
	})
}

// fit is the least-squares line through n points (seconds from the
// first, value) given by at.
func fit(n int, at func(int) (x, y float64)) (f Fit, ok bool) {
	if n < 3 {
		return Fit{}, false
	}
	var sx, sy float64
	for i := range n {
		x, y := at(i)
		sx += x
		sy += y
	}
	fn := float64(n)
	mx, my := sx/fn, sy/fn
	var sxx, sxy, syy float64
	for i := range n {
		x, y := at(i)
		dx, dy := x-mx, y-my
		sxx += dx * dx
		sxy += dx * dy
		syy += dy * dy
	}
	if sxx == 0 {
		return Fit{}, false
	}
	last, _ := at(n - 1)
	f = Fit{N: n, Span: time.Duration(last * float64(time.Second)), Slope: sxy / sxx, Mean: my}
	switch {
	case syy == 0:
		f.R2 = 1 // a constant series: a perfect (flat) fit
	default:
		f.R2 = sxy * sxy / (sxx * syy)
	}
	return f, true
}

// sparks are the eight levels of a sparkline, lowest first.
var sparks = []rune("▁▂▃▄▅▆▇█")

// Sparkline renders the last width values as runes ▁ to █ scaled
// between their minimum and maximum (a flat series is a row of ▁). NaN
// values (gaps) are spaces. Plain text: no styling.
func Sparkline(vals []float64, width int) string { return SparklineSpan(vals, width, 0) }

// SparklineSpan is Sparkline drawn over a range of at least minSpan,
// centred on the values: noise smaller than minSpan (a share of the
// series that does not matter) stays near the middle instead of
// filling the height.
func SparklineSpan(vals []float64, width int, minSpan float64) string {
	if width <= 0 || len(vals) == 0 {
		return ""
	}
	if len(vals) > width {
		vals = vals[len(vals)-width:]
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range vals {
		if !math.IsNaN(v) {
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
	}
	if hi-lo < minSpan {
		mid := (hi + lo) / 2
		lo, hi = mid-minSpan/2, mid+minSpan/2
	}
	var b strings.Builder
	for _, v := range vals {
		switch {
		case math.IsNaN(v):
			b.WriteRune(' ')
		case hi == lo:
			b.WriteRune(sparks[0])
		default:
			i := int(math.Round((v - lo) / (hi - lo) * float64(len(sparks)-1)))
			b.WriteRune(sparks[min(max(i, 0), len(sparks)-1)])
		}
	}
	return b.String()
}

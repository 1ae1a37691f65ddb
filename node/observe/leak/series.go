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
// the samples added, up to the capacity (16 bytes a sample): a dashboard
// follows hundreds of series.
type Ring struct {
	buf   []point
	cap   int
	start int
}

// point is a sample as stored: Unix nanoseconds and the value.
type point struct {
	at int64
	v  float64
}

// NewRing returns a ring of capacity c (at least 2).
func NewRing(c int) *Ring { return &Ring{cap: max(c, 2)} }

// Add appends a sample, dropping the oldest when full.
func (r *Ring) Add(s Sample) {
	p := point{at: s.At.UnixNano(), v: s.V}
	if len(r.buf) < r.cap {
		r.buf = append(r.buf, p)
		return
	}
	r.buf[r.start] = p
	r.start = (r.start + 1) % len(r.buf)
}

// Len is the number of samples held.
func (r *Ring) Len() int { return len(r.buf) }

// at is the i-th oldest sample held.
func (r *Ring) at(i int) point { return r.buf[(r.start+i)%len(r.buf)] }

// Last returns up to n of the newest samples, oldest first.
func (r *Ring) Last(n int) []Sample {
	n = min(n, len(r.buf))
	out := make([]Sample, n)
	for i := range n {
		p := r.at(len(r.buf) - n + i)
		out[i] = Sample{At: time.Unix(0, p.at), V: p.v}
	}
	return out
}

// Values returns up to n of the newest values, oldest first.
func (r *Ring) Values(n int) []float64 {
	n = min(n, len(r.buf))
	out := make([]float64, n)
	for i := range out {
		out[i] = r.at(len(r.buf) - n + i).v
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
	ps := make([]point, len(s))
	for i, x := range s {
		ps[i] = point{at: x.At.UnixNano(), v: x.V}
	}
	return fit(len(ps), func(i int) point { return ps[i] })
}

// fitLast fits a line through the n newest samples of r without copying
// them.
func (r *Ring) fitLast(n int) (Fit, bool) {
	n = min(n, len(r.buf))
	first := len(r.buf) - n
	return fit(n, func(i int) point { return r.at(first + i) })
}

// fit is the least-squares line through n points given by at.
func fit(n int, at func(int) point) (f Fit, ok bool) {
	if n < 3 {
		return Fit{}, false
	}
	t0 := at(0).at
	x := func(p point) float64 { return float64(p.at-t0) / 1e9 }
	var sx, sy float64
	for i := range n {
		p := at(i)
		sx += x(p)
		sy += p.v
	}
	fn := float64(n)
	mx, my := sx/fn, sy/fn
	var sxx, sxy, syy float64
	for i := range n {
		p := at(i)
		dx, dy := x(p)-mx, p.v-my
		sxx += dx * dx
		sxy += dx * dy
		syy += dy * dy
	}
	if sxx == 0 {
		return Fit{}, false
	}
	f = Fit{N: n, Span: time.Duration(at(n-1).at - t0), Slope: sxy / sxx, Mean: my}
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
func Sparkline(vals []float64, width int) string {
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

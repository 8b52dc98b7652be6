package audio

import "math"

// decimator lowers the sample rate by an integer factor q behind a windowed-sinc low-pass
// filter cut at 90% of the new Nyquist frequency (3.6 kHz for 16 to 8 kHz), so that wideband
// content does not fold into the telephone band.
type decimator struct {
	q     int
	h     []float64
	hist  []float64 // the last len(h) inputs, stored twice so that a window is contiguous
	pos   int
	phase int
}

func newDecimator(q int) *decimator {
	taps := 16*q + 1
	h := make([]float64, taps)
	fc := 0.45 / float64(q) // cut-off in cycles per input sample
	mid := float64(taps-1) / 2
	var sum float64
	for i := range h {
		t := float64(i) - mid
		v := 2 * fc
		if t != 0 {
			v = math.Sin(2*math.Pi*fc*t) / (math.Pi * t)
		}
		v *= 0.54 - 0.46*math.Cos(2*math.Pi*float64(i)/float64(taps-1)) // Hamming
		h[i] = v
		sum += v
	}
	for i := range h {
		h[i] /= sum
	}
	return &decimator{q: q, h: h, hist: make([]float64, 2*taps)}
}

// delay is the filter's delay in input samples.
func (d *decimator) delay() int { return (len(d.h) - 1) / 2 }

// process appends to dst one output sample for every q inputs.
func (d *decimator) process(dst, in []int16) []int16 {
	n := len(d.h)
	for _, x := range in {
		v := float64(x)
		d.hist[d.pos] = v
		d.hist[d.pos+n] = v
		d.pos++
		if d.pos == n {
			d.pos = 0
		}
		d.phase++
		if d.phase < d.q {
			continue
		}
		d.phase = 0
		// hist[pos : pos+n] holds the last n inputs, oldest first; h is symmetric.
		var y float64
		for i, x := range d.hist[d.pos : d.pos+n] {
			y += d.h[i] * x
		}
		dst = append(dst, int16(max(-32768, min(32767, math.Round(y)))))
	}
	return dst
}

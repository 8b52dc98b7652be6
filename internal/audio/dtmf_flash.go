package audio

import (
	"math"
	"math/cmplx"
)

// The masker's own, more sensitive decision. Q.24's rules report a digit only after a tone has
// filled a 32 ms window, but an ordinary decoder (multimon-ng) decodes tones of 20 ms, so a
// recording must lose shorter tones than Q.24 would report. After every block the analyser
// also judges each pair of half-overlapping blocks (8 ms blocks half a block apart, 12 ms in
// all) with the same kinds of tests: both tones within a frequency tolerance (measured from
// the phase advance between the two blocks), twist, level, the two tones carrying most of
// the energy and weak second harmonics. A pair that passes is only masked, never reported
// as a digit: a false positive silences a few milliseconds. Every tone of 12 ms or more
// (at most 31 samples before the first block on the half-block grid, plus 96) fills a pair.
const (
	dtmfFlashOffset  = 0.035 // relative frequency offset (Q.24 rejects beyond 3.5%)
	dtmfFlashReverse = 8.0   // dB the high tone may exceed the low one
	dtmfFlashNormal  = 10.0  // dB the low tone may exceed the high one
)

// flash judges the pairs of blocks completed by the last block: the previous block with the
// overlapping block, and the overlapping block with the last block. It returns the span, in
// analysis samples, of the pairs that hold a tone.
func (a *dtmfAnalyser) flash() (start, end int64, ok bool) {
	if a.count < 2 {
		return 0, 0, false
	}
	prev := &a.blocks[(a.count-2)%dtmfWindowBlocks]
	cur := &a.blocks[(a.count-1)%dtmfWindowBlocks]
	okPrev := prev.held && a.mayHold(&prev.x, prev.e)
	okCur := cur.held && a.mayHold(&cur.x, cur.e)
	if !okPrev && !okCur {
		// Every pair holds one of these blocks whole or the overlapping block, which shares
		// half its samples with each; a tone in the overlapping block alone is at most 8 ms
		// plus what the next or previous pair sees.
		return 0, 0, false
	}
	a.overlap(prev)
	okMid := prev.nextHeld && a.mayHold(&prev.next, prev.nextE)
	first := (a.count - 2) * int64(a.m)
	if okPrev && okMid && a.pairHolds(&prev.x, prev.e, prev.v, nil, &prev.next, prev.nextE, prev.raw, a.h) {
		start, end, ok = first, first+int64(a.h+a.m), true
	}
	if okMid && okCur && a.pairHolds(&prev.next, prev.nextE, prev.raw, a.win, &cur.x, cur.e, cur.v, a.m-a.h) {
		if !ok {
			start = first + int64(a.h)
		}
		end, ok = first+2*int64(a.m), true
	}
	return start, end, ok
}

// strongest returns the strongest low-group and high-group filters of x and their powers.
func strongest(x *[8]complex128) (r, c int, pr, pc float64) {
	var p [8]float64
	for i := range 8 {
		p[i] = real(x[i])*real(x[i]) + imag(x[i])*imag(x[i])
	}
	r, c = 0, 4
	for i := 1; i < 4; i++ {
		if p[i] > p[r] {
			r = i
		}
		if p[4+i] > p[c] {
			c = 4 + i
		}
	}
	return r, c, p[r], p[c]
}

// mayHold is the cheap test of one block: loud enough, and even with the largest correction
// for a frequency offset its two strongest filters could carry enough of its energy.
func (a *dtmfAnalyser) mayHold(x *[8]complex128, e float64) bool {
	if e < a.gate {
		return false
	}
	_, _, pr, pc := strongest(x)
	return 2*(pr+pc)/(a.sumW*a.sumW*a.flashGain*a.flashGain)*a.sumW2 >= dtmfMinPurity*e
}

// pairHolds judges two blocks lag samples apart (x, e: their DFTs and energies; v their
// samples, windowed unless win is given to window them).
func (a *dtmfAnalyser) pairHolds(x1 *[8]complex128, e1 float64, v1, win1 []float64, x2 *[8]complex128, e2 float64, v2 []float64, lag int) bool {
	var sum [8]complex128
	for i := range 8 {
		sum[i] = complex(cmplx.Abs(x1[i])+cmplx.Abs(x2[i]), 0)
	}
	r, c, _, _ := strongest(&sum)
	var amp, freq [2]float64
	for k, i := range [2]int{r, c} {
		om := a.omega[i]
		off := wrapPhase(cmplx.Phase(x2[i]*cmplx.Conj(x1[i]))-om*float64(lag)) / float64(lag)
		if math.Abs(off/om) > dtmfFlashOffset {
			return false
		}
		g := a.hannGain(off)
		p := real(x1[i])*real(x1[i]) + imag(x1[i])*imag(x1[i]) + real(x2[i])*real(x2[i]) + imag(x2[i])*imag(x2[i])
		amp[k] = 2 * p / (a.sumW * a.sumW * g * g) // squared amplitude, averaged over the two
		freq[k] = (om + off) * a.rate / (2 * math.Pi)
		if amp[k] < a.minPower {
			return false
		}
	}
	if ratio := freq[1] / freq[0]; ratio > 2-dtmfHarmonicRatio && ratio < 2+dtmfHarmonicRatio {
		return false
	}
	twist := 10 * math.Log10(amp[1]/amp[0])
	if twist > dtmfFlashReverse || twist < -dtmfFlashNormal {
		return false
	}
	if (amp[0]+amp[1])/2*a.sumW2*2 < dtmfMinPurity*(e1+e2) {
		return false
	}
	for _, i := range [2]int{r, c} {
		other := r + c - i
		if math.Abs(2*dtmfFreq(i)-dtmfFreq(other)) < 2*a.rate/float64(a.m) {
			continue
		}
		h := a.harmonic(v1, win1, i) + a.harmonic(v2, nil, i)
		p := real(x1[i])*real(x1[i]) + imag(x1[i])*imag(x1[i]) + real(x2[i])*real(x2[i]) + imag(x2[i])*imag(x2[i])
		if h > p*math.Pow(10, dtmfMaxHarmonic/10) {
			return false
		}
	}
	return true
}

// harmonic returns the power of the second harmonic of filter i's frequency in the block v,
// windowed first by win unless win is nil.
func (a *dtmfAnalyser) harmonic(v, win []float64, i int) float64 {
	var s1, s2 float64
	c, back := a.coef[8+i], a.back[8+i]
	for n, x := range v {
		if win != nil {
			x *= win[n]
		}
		s1, s2 = x+c*s1-s2, s1
	}
	x := complex(s1, 0) - back*complex(s2, 0)
	return real(x)*real(x) + imag(x)*imag(x)
}

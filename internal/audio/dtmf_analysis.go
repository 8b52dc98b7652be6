package audio

import (
	"math"
	"math/cmplx"
)

// dtmfFilters is the number of Goertzel filters: 8 DTMF frequencies, then their second
// harmonics. The harmonics' filters run only when a window is judged that far.
const dtmfFilters = 16

// dtmfBlock is what one block leaves for the decisions: the complex DFT of each DTMF filter
// (phase relative to the block's first sample), the block's windowed samples and energy, and
// the DFT of the DTMF filters over the block that starts half a block later (the overlapping
// block). The overlapping block's samples are kept and its DFT computed only when a window
// gets as far as measuring a tone's frequency: most windows are rejected before.
type dtmfBlock struct {
	x        [8]complex128
	v        []float64
	e        float64
	next     [8]complex128
	nextE    float64   // the overlapping block's windowed energy
	held     bool      // the filters ran over the block (it may hold a tone)
	nextHeld bool      // the same for the overlapping block
	raw      []float64 // the overlapping block's samples
	nextDone bool      // next holds the DFT of raw
}

// dtmfAnalyser runs the Goertzel filters over blocks and judges windows of blocks.
type dtmfAnalyser struct {
	rate  float64
	m     int       // block length
	h     int       // half a block: the overlapping blocks start h samples later
	p     int       // m - h, the length of a block's second half
	win   []float64 // Hann window
	sumW  float64   // Σ w
	sumW2 float64   // Σ w²
	omega [dtmfFilters]float64
	coef  [dtmfFilters]float64    // 2 cos ω
	back  [dtmfFilters]complex128 // e^{-jω}

	buf    []float64 // the previous block's second half, then the current block's samples
	tmp    []float64 // one windowed block
	n      int       // samples in the current block
	blocks [dtmfWindowBlocks]dtmfBlock
	count  int64 // blocks completed

	minPower float64 // squared amplitude of a tone at the minimum level
	gate     float64 // windowed energy under which a block cannot be part of a tone
	minGain  float64 // the window's least gain for a tone within the frequency tolerance
	// flashGain is the least gain within the masker's wider tolerance
	flashGain float64
	pre       precheck
}

func (a *dtmfAnalyser) init(rate, minLevelDBm0 float64) {
	a.rate = rate
	a.m = int(math.Round(rate * dtmfBlockMs / 1000))
	a.h = a.m / 2
	a.p = a.m - a.h
	a.buf = make([]float64, a.p+a.m)
	a.tmp = make([]float64, a.m)
	a.win = make([]float64, a.m)
	for n := range a.win {
		w := 0.5 - 0.5*math.Cos(2*math.Pi*(float64(n)+0.5)/float64(a.m))
		a.win[n] = w
		a.sumW += w
		a.sumW2 += w * w
	}
	for i := range dtmfFilters {
		f := dtmfFreq(i % 8)
		if i >= 8 {
			f *= 2
		}
		w := 2 * math.Pi * f / rate
		a.omega[i] = w
		a.coef[i] = 2 * math.Cos(w)
		a.back[i] = cmplx.Exp(complex(0, -w))
	}
	amp := dtmfZeroDBm0 * math.Pow(10, minLevelDBm0/20)
	a.minPower = amp * amp
	// A window passes only if each of its blocks holds both tones, each at 70% of its peak
	// power or more, and their average at the minimum level: a block has at least about
	// 0.7·minPower·Σw² of energy. The gate is a quarter of that, to stay clear of rounding.
	a.gate = 0.25 * a.minPower * a.sumW2
	a.minGain = a.hannGain(2 * math.Pi * dtmfCols[3] * dtmfMaxOffset / rate)
	a.pre = newPrecheck(rate)
	a.flashGain = a.hannGain(2 * math.Pi * dtmfCols[3] * dtmfFlashOffset / rate)
}

// dtmfFreq returns the frequency of filter i (0-3 rows, 4-7 columns).
func dtmfFreq(i int) float64 {
	if i < 4 {
		return dtmfRows[i]
	}
	return dtmfCols[i-4]
}

// feed takes samples until the current block is complete and then runs the filters over it.
// It returns how many samples it used and whether a block was completed.
func (a *dtmfAnalyser) feed(samples []int16) (int, bool) {
	end := a.m
	if a.n < a.h {
		end = a.h
	}
	n := min(len(samples), end-a.n)
	dst := a.buf[a.p+a.n : a.p+a.n+n]
	for k, x := range samples[:n] {
		dst[k] = float64(x)
	}
	a.n += n
	if a.n == a.h {
		// The overlapping block, the previous block's second half and this one's first, is
		// complete.
		prev := &a.blocks[(a.count+dtmfWindowBlocks-1)%dtmfWindowBlocks]
		if prev.raw == nil {
			prev.raw = make([]float64, a.m)
		}
		copy(prev.raw, a.buf[:a.m])
		prev.nextDone = false
	}
	if a.n < a.m {
		return n, false
	}
	b := &a.blocks[a.count%dtmfWindowBlocks]
	b.e, b.held = a.analyse(a.buf[a.p:], b.x[:])
	if b.v == nil {
		b.v = make([]float64, a.m)
	}
	copy(b.v, a.tmp)
	copy(a.buf[:a.p], a.buf[a.p+a.h:])
	a.n = 0
	a.count++
	return n, true
}

// analyse windows a block of samples and returns its energy; unless the block is too quiet
// to be part of a tone, or its spectrum rules a tone out, it runs the first len(out) filters
// over it (len(out) a multiple of 4) and reports that it did.
func (a *dtmfAnalyser) analyse(block []float64, out []complex128) (float64, bool) {
	var e, e1, e2, p1, p2 float64
	v := a.tmp
	for i, x := range block[:len(v)] {
		x *= a.win[i]
		v[i] = x
		d1, d2 := x-p1, x-2*p1+p2
		e += x * x
		e1 += d1 * d1
		e2 += d2 * d2
		p1, p2 = x, p1
	}
	// The block continues with zeros (the window ends at zero): the differences' last terms.
	e1 += p1 * p1
	e2 += (2*p1-p2)*(2*p1-p2) + p1*p1
	if e < a.gate || !a.spectrumMayHold(e, e1, e2) {
		clear(out)
		return e, false
	}
	// Four filters at a time: independent recurrences keep the processor's pipelines full.
	for i := 0; i < len(out); i += 4 {
		c0, c1, c2, c3 := a.coef[i], a.coef[i+1], a.coef[i+2], a.coef[i+3]
		var p0, p1, p2, p3, q0, q1, q2, q3 float64
		for _, x := range v {
			p0, q0 = x+c0*p0-q0, p0
			p1, q1 = x+c1*p1-q1, p1
			p2, q2 = x+c2*p2-q2, p2
			p3, q3 = x+c3*p3-q3, p3
		}
		out[i] = complex(p0, 0) - a.back[i]*complex(q0, 0)
		out[i+1] = complex(p1, 0) - a.back[i+1]*complex(q1, 0)
		out[i+2] = complex(p2, 0) - a.back[i+2]*complex(q2, 0)
		out[i+3] = complex(p3, 0) - a.back[i+3]*complex(q3, 0)
	}
	return e, true
}

// overlap runs the DTMF filters over b's overlapping block unless they have run already.
func (a *dtmfAnalyser) overlap(b *dtmfBlock) {
	if !b.nextDone {
		b.nextE, b.nextHeld = a.analyse(b.raw, b.next[:])
		b.nextDone = true
	}
}

// windowSpan returns the analysis-stream samples covered by the current window.
func (a *dtmfAnalyser) windowSpan() (start, end int64) {
	return (a.count - dtmfWindowBlocks) * int64(a.m), a.count * int64(a.m)
}

// window returns the blocks of the current window, oldest first.
func (a *dtmfAnalyser) window() [dtmfWindowBlocks]*dtmfBlock {
	var w [dtmfWindowBlocks]*dtmfBlock
	for k := range dtmfWindowBlocks {
		w[k] = &a.blocks[(a.count-dtmfWindowBlocks+int64(k))%dtmfWindowBlocks]
	}
	return w
}

// judge decides whether the current window holds one DTMF digit under every rule.
func (a *dtmfAnalyser) judge() (byte, bool) {
	if a.count < dtmfWindowBlocks {
		return 0, false
	}
	w := a.window()
	var total float64
	var power [8]float64
	for _, b := range w {
		if !b.held {
			return 0, false
		}
	}
	for _, b := range w {
		total += b.e
		for i := range 8 {
			power[i] += real(b.x[i])*real(b.x[i]) + imag(b.x[i])*imag(b.x[i])
		}
	}
	// Cheap test first: two tones at the minimum level have at least this much energy.
	if total < a.minPower*a.sumW2*dtmfWindowBlocks {
		return 0, false
	}
	r, c := 0, 4
	for i := 1; i < 4; i++ {
		if power[i] > power[r] {
			r = i
		}
		if power[4+i] > power[c] {
			c = 4 + i
		}
	}
	// Cheap test before measuring the tones: even with the largest correction for a frequency
	// offset, the two tones carry too little of the window's energy.
	if 2*(power[r]+power[c])/(a.sumW*a.sumW*a.minGain*a.minGain)*a.sumW2 < dtmfMinPurity*total {
		return 0, false
	}
	ampR, freqR, okR := a.tone(w, r, power[r])
	ampC, freqC, okC := a.tone(w, c, power[c])
	if !okR || !okC || ampR < a.minPower || ampC < a.minPower {
		return 0, false
	}
	// A high tone at twice the low one is its harmonic: a voice or an instrument. Real digits
	// within ±1.5% never come closer to that ratio than 1.978 (852 and 1633 Hz).
	if ratio := freqC / freqR; ratio > 2-dtmfHarmonicRatio && ratio < 2+dtmfHarmonicRatio {
		return 0, false
	}
	twist := 10 * math.Log10(ampC/ampR)
	if twist > dtmfMaxReverse || twist < -dtmfMaxNormal {
		return 0, false
	}
	// Energy of a tone of squared amplitude A² in the window: A²/2 Σw² per block.
	toneEnergy := (ampR + ampC) / 2 * a.sumW2 * dtmfWindowBlocks
	if toneEnergy < dtmfMinPurity*total {
		return 0, false
	}
	if !a.harmonicOK(w, r, c, power[r]) || !a.harmonicOK(w, c, r, power[c]) {
		return 0, false
	}
	return dtmfKeypad[r][c-4], true
}

// tone measures filter i's tone in the window: it estimates the tone's frequency from the
// phase advance between blocks, rejects it beyond the frequency tolerance or when its level
// is not steady, and returns its squared amplitude corrected for the frequency offset and
// its frequency in Hz.
func (a *dtmfAnalyser) tone(w [dtmfWindowBlocks]*dtmfBlock, i int, power float64) (float64, float64, bool) {
	var z1, za, zb complex128
	peak := 0.0
	for k, b := range w {
		p := real(b.x[i])*real(b.x[i]) + imag(b.x[i])*imag(b.x[i])
		peak = max(peak, p)
		if k > 0 {
			z1 += b.x[i] * cmplx.Conj(w[k-1].x[i])
		}
	}
	for _, b := range w {
		p := real(b.x[i])*real(b.x[i]) + imag(b.x[i])*imag(b.x[i])
		if p < dtmfSteadiness*peak {
			return 0, 0, false
		}
	}
	for k, prev := range w[:dtmfWindowBlocks-1] {
		a.overlap(prev)
		// Half a block apart: the block, the overlapping block, the next block.
		za += prev.next[i] * cmplx.Conj(prev.x[i])
		zb += w[k+1].x[i] * cmplx.Conj(prev.next[i])
	}
	m := float64(a.m)
	om := a.omega[i]
	// The offset from the phase advance over half a block (unambiguous within ±rate/m, 125 Hz
	// at 8 kHz: a tone further off would be attenuated too much to pass), then over a block
	// and over the whole window, each more precise and resolved by the one before.
	ha, hb := float64(a.h), float64(a.m-a.h) // equal unless m is odd
	rough := (wrapPhase(cmplx.Phase(za)-om*ha) + wrapPhase(cmplx.Phase(zb)-om*hb)) / (ha + hb)
	coarse := nearest(wrapPhase(cmplx.Phase(z1)-om*m)/m, 2*math.Pi/m, rough)
	lag := float64(dtmfWindowBlocks-1) * m
	z := w[dtmfWindowBlocks-1].x[i] * cmplx.Conj(w[0].x[i])
	best := nearest(wrapPhase(cmplx.Phase(z)-om*lag)/lag, 2*math.Pi/lag, coarse)
	if math.Abs(best/om) > dtmfMaxOffset {
		return 0, 0, false
	}
	g := a.hannGain(best)
	// |X| = A/2 Σw g for a tone of amplitude A; average over the blocks.
	amp2 := 4 * power / (a.sumW * a.sumW * g * g * dtmfWindowBlocks)
	return amp2, (om + best) * a.rate / (2 * math.Pi), true
}

// harmonicOK reports whether the second harmonic of tone i is weak enough. A harmonic that
// falls within two bins of the other tone cannot be told apart from it in an 8 ms block (the
// second harmonics of 697, 770 and 852 Hz lie near 1336 to 1633 Hz); the purity rule covers it.
func (a *dtmfAnalyser) harmonicOK(w [dtmfWindowBlocks]*dtmfBlock, i, other int, power float64) bool {
	bin := a.rate / float64(a.m)
	if math.Abs(2*dtmfFreq(i)-dtmfFreq(other)) < 2*bin {
		return true
	}
	var h float64
	c, back := a.coef[8+i], a.back[8+i]
	for _, b := range w {
		var s1, s2 float64
		for _, x := range b.v {
			s1, s2 = x+c*s1-s2, s1
		}
		x := complex(s1, 0) - back*complex(s2, 0)
		h += real(x)*real(x) + imag(x)*imag(x)
	}
	return h <= power*math.Pow(10, dtmfMaxHarmonic/10)
}

// hannGain is the window's gain for a tone d radians per sample off the filter's frequency.
func (a *dtmfAnalyser) hannGain(d float64) float64 {
	var s complex128
	step := cmplx.Exp(complex(0, d))
	ph := complex(1, 0)
	for _, w := range a.win {
		s += complex(w, 0) * ph
		ph *= step
	}
	return cmplx.Abs(s) / a.sumW
}

// nearest returns the value of d + n·period (n an integer) nearest to target.
func nearest(d, period, target float64) float64 {
	return d + period*math.Round((target-d)/period)
}

// wrapPhase returns p in (-π, π].
func wrapPhase(p float64) float64 {
	p = math.Mod(p+math.Pi, 2*math.Pi)
	if p < 0 {
		p += 2 * math.Pi
	}
	return p - math.Pi
}

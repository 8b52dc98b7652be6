package audio

import (
	"math"
	"math/rand/v2"
	"strings"
)

// Test signals for the DTMF tests, generated here rather than taken from elsewhere.

// toneSpec describes a generated DTMF tone; levels are per component, in dBm0.
type toneSpec struct {
	digit    byte
	ms       float64
	lowDBm0  float64
	highDBm0 float64
	lowOff   float64 // relative frequency offset of the low-group component
	highOff  float64
}

// dtmfFreqs returns the nominal row and column frequencies of digit.
func dtmfFreqs(digit byte) (float64, float64) {
	for r := range 4 {
		for c := range 4 {
			if dtmfKeypad[r][c] == digit {
				return dtmfRows[r], dtmfCols[c]
			}
		}
	}
	panic("not a DTMF digit: " + string(digit))
}

func dbm0(level float64) float64 { return dtmfZeroDBm0 * math.Pow(10, level/20) }

// signal is a float buffer being composed at a sample rate.
type signal struct {
	rate int
	x    []float64
}

func newSignal(rate int) *signal { return &signal{rate: rate} }

func (s *signal) samples(ms float64) int { return int(math.Round(ms * float64(s.rate) / 1000)) }

// silence appends ms of silence.
func (s *signal) silence(ms float64) *signal {
	s.x = append(s.x, make([]float64, s.samples(ms))...)
	return s
}

// tone appends a DTMF tone and returns its span in samples.
func (s *signal) tone(t toneSpec) (int, int) {
	lo, hi := dtmfFreqs(t.digit)
	lo *= 1 + t.lowOff
	hi *= 1 + t.highOff
	al, ah := dbm0(t.lowDBm0), dbm0(t.highDBm0)
	start := len(s.x)
	n := s.samples(t.ms)
	for i := range n {
		ts := float64(i) / float64(s.rate)
		s.x = append(s.x, al*math.Sin(2*math.Pi*lo*ts)+ah*math.Sin(2*math.Pi*hi*ts+1))
	}
	return start, len(s.x)
}

// keyed appends digits as tones of toneMs separated by pauses of pauseMs, at -10 dBm0 per component,
// and returns the spans.
func (s *signal) keyed(digits string, toneMs, pauseMs float64) [][2]int {
	var spans [][2]int
	for _, d := range []byte(strings.ReplaceAll(digits, " ", "")) {
		a, b := s.tone(toneSpec{digit: d, ms: toneMs, lowDBm0: -10, highDBm0: -10})
		spans = append(spans, [2]int{a, b})
		s.silence(pauseMs)
	}
	return spans
}

// noise adds white Gaussian noise at the given level (dBm0 of its power) over [from, len).
func (s *signal) noise(levelDBm0 float64, seed uint64) *signal {
	rng := rand.New(rand.NewPCG(seed, 1))
	sigma := dbm0(levelDBm0) / math.Sqrt2 // a sine of peak P has power P²/2
	for i := range s.x {
		s.x[i] += sigma * rng.NormFloat64()
	}
	return s
}

// pcm returns the signal as 16-bit samples, clipped.
func (s *signal) pcm() []int16 {
	out := make([]int16, len(s.x))
	for i, v := range s.x {
		out[i] = int16(max(-32768, min(32767, math.Round(v))))
	}
	return out
}

// detect runs a detector over samples in chunks of the given size and returns the ended tones.
func detect(t interface{ Fatal(...any) }, rate int, samples []int16, chunk int) []Tone {
	return detectAt(t, rate, dtmfMinLevelDBm0, samples, chunk)
}

// detectAt is detect with a detector whose level line is minLevel dBm0.
func detectAt(t interface{ Fatal(...any) }, rate int, minLevel float64, samples []int16, chunk int) []Tone {
	d, err := newDTMFDetector(rate, minLevel)
	if err != nil {
		t.Fatal(err)
	}
	var tones []Tone
	for len(samples) > 0 {
		n := min(chunk, len(samples))
		for _, e := range d.Write(samples[:n]) {
			if e.Ended {
				tones = append(tones, e.Tone)
			}
		}
		samples = samples[n:]
	}
	for _, e := range d.Close() {
		tones = append(tones, e.Tone)
	}
	return tones
}

func digitsOf(tones []Tone) string {
	var b strings.Builder
	for _, t := range tones {
		b.WriteByte(t.Digit)
	}
	return b.String()
}

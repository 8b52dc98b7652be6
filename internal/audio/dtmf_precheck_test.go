package audio

import (
	"math"
	"math/rand/v2"
	"testing"
)

// precheckBlock windows a block like the analyser and reports whether the pre-check keeps it.
func precheckBlock(a *dtmfAnalyser, x []float64) bool {
	var out [8]complex128
	_, held := a.analyse(x, out[:])
	return held
}

// TestDTMFPrecheck: the pre-check keeps every digit at any frequency offset within the
// masker's tolerance, any twist the masker accepts and any phase, alone or with a quarter of
// its energy in white noise, at every analysis rate; and it skips most blocks of loud noise.
func TestDTMFPrecheck(t *testing.T) {
	for _, rate := range []float64{8000, 11025, 12000} {
		var a dtmfAnalyser
		a.init(rate, dtmfMaskLevelDBm0)
		rng := rand.New(rand.NewPCG(3, uint64(rate)))
		x := make([]float64, a.m)
		for i := range 20000 {
			lo, hi := dtmfRows[i%4], dtmfCols[i/4%4]
			lo *= 1 + (2*rng.Float64()-1)*dtmfFlashOffset
			hi *= 1 + (2*rng.Float64()-1)*dtmfFlashOffset
			twist := -dtmfFlashNormal + (dtmfFlashNormal+dtmfFlashReverse)*rng.Float64()
			amp := dbm0(-20)
			p1, p2 := 2*math.Pi*rng.Float64(), 2*math.Pi*rng.Float64()
			noisy := i%2 == 1
			// White noise of a fifth of the tones' power (purity 83%).
			sigma := amp * math.Sqrt((1+math.Pow(10, twist/10))/2/5)
			for n := range x {
				ts := float64(n) / rate
				x[n] = amp*math.Sin(2*math.Pi*lo*ts+p1) + amp*math.Pow(10, twist/20)*math.Sin(2*math.Pi*hi*ts+p2)
				if noisy {
					x[n] += sigma * rng.NormFloat64()
				}
			}
			if !precheckBlock(&a, x) {
				t.Fatalf("%v Hz: %.1f + %.1f Hz, twist %.1f dB, noise %v: skipped", rate, lo, hi, twist, noisy)
			}
		}
		skipped := 0
		const blocks = 5000
		for range blocks {
			for n := range x {
				x[n] = 8000 * rng.NormFloat64()
			}
			if !precheckBlock(&a, x) {
				skipped++
			}
		}
		t.Logf("%v Hz: %d of %d noise blocks skipped", rate, skipped, blocks)
		if skipped < blocks/2 {
			t.Errorf("%v Hz: only %d of %d blocks of white noise skipped", rate, skipped, blocks)
		}
	}
}

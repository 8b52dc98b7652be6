package g722

import (
	"math"
	"testing"
)

// sine returns n samples of a sine of freq Hz at 16 kHz with the given amplitude.
func sine(n int, freq, amp float64) []int16 {
	out := make([]int16, n)
	for i := range out {
		out[i] = int16(amp * math.Sin(2*math.Pi*freq*float64(i)/16000))
	}
	return out
}

// bestDelay returns the lag (0..maxLag) at which got best matches want, by cross-correlation.
func bestDelay(want, got []int16, maxLag int) int {
	best, bestLag := math.Inf(-1), 0
	for lag := 0; lag <= maxLag; lag++ {
		var c float64
		for i := 0; i+lag < len(got) && i < len(want); i++ {
			c += float64(want[i]) * float64(got[i+lag])
		}
		if c > best {
			best, bestLag = c, lag
		}
	}
	return bestLag
}

// snr returns the signal-to-noise ratio in dB of got (shifted by lag) against want, skipping
// the first skip samples (the adaptation's start-up).
func snr(want, got []int16, lag, skip int) float64 {
	var sig, noise float64
	for i := skip; i < len(want) && i+lag < len(got); i++ {
		w, g := float64(want[i]), float64(got[i+lag])
		sig += w * w
		noise += (w - g) * (w - g)
	}
	return 10 * math.Log10(sig/max(noise, 1))
}

func TestDecodeSNR(t *testing.T) {
	tests := []struct {
		name              string
		freq, amp, minSNR float64
	}{
		{"1 kHz loud", 1000, 10000, 30},
		{"1 kHz quiet", 1000, 1000, 30},
		{"300 Hz", 300, 8000, 30},
		{"3.4 kHz", 3400, 8000, 30},
		{"6 kHz (high band, 2 bits per sample)", 6000, 8000, 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := sine(16000, tt.freq, tt.amp)
			code := newEncoder().encode(nil, in)
			if len(code) != len(in)/2 {
				t.Fatalf("%d codewords for %d samples", len(code), len(in))
			}
			out := NewDecoder().Decode(nil, code)
			if len(out) != len(in) {
				t.Fatalf("decoded %d samples from %d octets, want %d", len(out), len(code), len(in))
			}
			lag := bestDelay(in, out, 64)
			if lag < 21 || lag > 23 {
				// The transmit and receive QMFs together delay the signal by 22 samples here;
				// a sine's correlation peak may sit a sample off.
				t.Errorf("codec delay %d samples, want about 22", lag)
			}
			got := snr(in, out, lag, 1600)
			t.Logf("delay %d, SNR %.1f dB", lag, got)
			if got < tt.minSNR {
				t.Errorf("SNR %.1f dB at delay %d, want > %.0f dB", got, lag, tt.minSNR)
			}
		})
	}
}

func TestDecodeSilence(t *testing.T) {
	code := newEncoder().encode(nil, make([]int16, 3200))
	out := NewDecoder().Decode(nil, code)
	for i, v := range out {
		if v < -4 || v > 4 {
			t.Fatalf("sample %d of encoded silence decodes to %d, want near 0", i, v)
		}
	}
	// The smallest low-band magnitude with the high band at its smallest step, over and over,
	// stays near zero too: the scale factors adapt down to their floor.
	idle := make([]byte, 800)
	for i := range idle {
		idle[i] = 0xFF // ihigh 3 (+small), ilow 63 (-small)
	}
	out = NewDecoder().Decode(nil, idle)
	for i, v := range out[200:] {
		if v < -16 || v > 16 {
			t.Fatalf("sample %d of idle codewords decodes to %d, want near 0", 200+i, v)
		}
	}
}

func TestDecoderResetAndAppend(t *testing.T) {
	code := newEncoder().encode(nil, sine(640, 1000, 8000))
	d := NewDecoder()
	whole := d.Decode(nil, code)
	d.Reset()
	var parts []int16
	for i := 0; i < len(code); i += 80 {
		parts = d.Decode(parts, code[i:min(i+80, len(code))])
	}
	if len(parts) != len(whole) {
		t.Fatalf("packet-wise decoding gave %d samples, want %d", len(parts), len(whole))
	}
	for i := range whole {
		if parts[i] != whole[i] {
			t.Fatalf("packet-wise decoding differs at sample %d after Reset", i)
		}
	}
}

func BenchmarkDecode(b *testing.B) {
	code := newEncoder().encode(nil, sine(320, 1000, 8000))
	d := NewDecoder()
	out := make([]int16, 0, 320)
	b.SetBytes(int64(len(code)))
	for b.Loop() {
		out = d.Decode(out[:0], code)
	}
}

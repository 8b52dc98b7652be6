package audio

import (
	"fmt"
	"strings"
	"testing"
)

// TestMaskerShortTones keys the test card number with tones too short for Q.24 to report as
// digits (15 to 35 ms) and at its line (40 ms), with short pauses, at several levels, in
// several formats: multimon-ng, which decodes tones of 20 ms, finds no digit after masking.
func TestMaskerShortTones(t *testing.T) {
	card := strings.ReplaceAll(testCard, " ", "")
	formats := []Format{MuLawFormat(8000, 1), PCMFormat(8000, 1), ALawFormat(8000, 1), PCMFormat(16000, 1)}
	for _, toneMs := range []float64{15, 20, 26, 30, 35, 40} {
		for _, pauseMs := range []float64{20, 30, 40} {
			for _, level := range []float64{-5, -20, -40} {
				for i, f := range formats {
					name := fmt.Sprintf("%vms/%vms/%vdBm0/%s", toneMs, pauseMs, level, f)
					t.Run(name, func(t *testing.T) {
						t.Parallel()
						s := newSignal(f.SampleRate).silence(100 + float64(i)*3.3)
						for _, d := range []byte(card) {
							s.tone(toneSpec{digit: d, ms: toneMs, lowDBm0: level, highDBm0: level})
							s.silence(pauseMs)
						}
						s.silence(200)
						s.noise(-65, uint64(i))
						orig := encode(f, s.pcm())
						masked, rep := mask(t, f, orig, MaskOptions{}, 160)
						if got := multimon(t, f, masked); got != "" {
							t.Errorf("multimon-ng finds %q in the masked audio (%q in the original); masked %d of %d frames",
								got, multimon(t, f, orig), rep.MaskedFrames(), len(s.x))
						}
					})
				}
			}
		}
	}
}

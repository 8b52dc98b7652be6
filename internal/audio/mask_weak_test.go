package audio

import (
	"fmt"
	"strings"
	"testing"
)

// TestMaskerWeakTones: a card number keyed far below Q.24's level line (a receiver may ignore
// those tones, but a recording keeps them and multimon-ng still decodes them) is masked all
// the same.
func TestMaskerWeakTones(t *testing.T) {
	card := strings.ReplaceAll(testCard, " ", "")
	for _, f := range []Format{PCMFormat(8000, 1), MuLawFormat(8000, 1)} {
		for _, level := range []float64{-40, -48, -56} {
			t.Run(fmt.Sprintf("%s/%v dBm0", f, level), func(t *testing.T) {
				s := newSignal(f.SampleRate).silence(200)
				for _, d := range []byte(card) {
					s.tone(toneSpec{digit: d, ms: 60, lowDBm0: level, highDBm0: level})
					s.silence(60)
				}
				s.silence(200)
				orig := encode(f, s.pcm())
				if got := multimon(t, f, orig); got != card {
					t.Skipf("multimon-ng finds %q in the original, not the card number", got)
				}
				masked, rep := mask(t, f, orig, MaskOptions{}, 160)
				if got := multimon(t, f, masked); got != "" {
					t.Errorf("multimon-ng finds %q in the masked audio; report %+v", got, rep)
				}
			})
		}
	}
}

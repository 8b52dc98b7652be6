package audio

import (
	"strings"
	"testing"
)

// TestMaskerKeepShortRunsSlowGroups: with KeepShortRuns, a card number keyed in groups of four
// with pauses longer than RunGap (an IVR prompting for each group) is not a string of short
// runs to keep: no more than six of its digits stay audible.
func TestMaskerKeepShortRunsSlowGroups(t *testing.T) {
	f := MuLawFormat(8000, 1)
	s := newSignal(8000).silence(200)
	for _, g := range strings.Fields(testCard) {
		s.keyed(g, 80, 80)
		s.silence(5000)
	}
	orig := encode(f, s.pcm())
	if got := multimon(t, f, orig); got != strings.ReplaceAll(testCard, " ", "") {
		t.Fatalf("multimon-ng hears %q in the original", got)
	}
	kept, rep := mask(t, f, orig, MaskOptions{KeepShortRuns: true}, 160)
	if got := multimon(t, f, kept); len(got) > keepDigits {
		t.Errorf("multimon-ng hears %q with KeepShortRuns; want at most %d digits; report %+v", got, keepDigits, rep)
	}
	if rep.InBand != 16 || rep.Kept > keepDigits {
		t.Errorf("report %+v: want 16 tones, at most %d kept", rep, keepDigits)
	}
}

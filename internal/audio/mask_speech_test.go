package audio

import (
	"testing"
)

// maxSpeechMasked is the share of speech or music the masker may silence: its short-tone
// decision (dtmf_flash.go) masks generously, so a few milliseconds of a vowel may go, but
// never enough to make a recording hard to follow.
const maxSpeechMasked = 0.005

// maxMusicMasked is the same for the synthetic music, whose two-note chords and sweeps pass
// pairs of near-sines over the DTMF frequencies.
const maxMusicMasked = 0.01

// TestMaskerSpeechSilenced runs the ten minutes of speech and the music through the masker
// (mu-law, as recorded): it finds no digit and silences at most maxSpeechMasked of the speech
// and maxMusicMasked of the music.
func TestMaskerSpeechSilenced(t *testing.T) {
	at8, _ := speechClips(t)
	f := MuLawFormat(8000, 1)
	var total, masked int64
	for i, clip := range at8 {
		data := encode(f, mixNoise(clip, 8000, 0, -45, uint64(i)))
		_, rep := mask(t, f, data, MaskOptions{}, 160)
		if rep.InBand != 0 {
			t.Errorf("voice %s: %d digits found in speech", speechVoices[i].voice, rep.InBand)
		}
		total += int64(len(clip))
		masked += rep.MaskedFrames()
		t.Logf("voice %s: %d ms of %d s silenced", speechVoices[i].voice, rep.MaskedFrames()/8, len(clip)/8000)
	}
	share := float64(masked) / float64(total)
	t.Logf("speech: %.3f%% silenced (%d ms of %d s)", 100*share, masked/8, total/8000)
	if share > maxSpeechMasked {
		t.Errorf("the masker silences %.3f%% of speech, more than %.1f%%", 100*share, 100*maxSpeechMasked)
	}
	m := music(8000)
	_, rep := mask(t, f, encode(f, m), MaskOptions{}, 160)
	share = float64(rep.MaskedFrames()) / float64(len(m))
	t.Logf("music: %.3f%% silenced (%d ms of %d s)", 100*share, rep.MaskedFrames()/8, len(m)/8000)
	if rep.InBand != 0 || share > maxMusicMasked {
		t.Errorf("music: %d digits found, %.3f%% silenced", rep.InBand, 100*share)
	}
}

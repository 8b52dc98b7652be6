package audio

import (
	"fmt"
	"testing"
)

// TestMaskerOneChannel: a card number keyed on one channel of a stereo stream only (the other
// quiet), from the stream's first frame, is found there and silenced on both channels, over
// every tone; whichever channel it is on.
func TestMaskerOneChannel(t *testing.T) {
	for _, f := range []Format{ALawFormat(8000, 2), PCMFormat(16000, 2)} {
		for ch := range 2 {
			t.Run(fmt.Sprintf("%s/channel %d", f, ch), func(t *testing.T) {
				s := newSignal(f.SampleRate)
				spans := s.keyed("4111111111111111", 60, 60)
				s.silence(30)
				tones := s.pcm()
				quiet := make([]int16, len(tones))
				chans := [][]int16{quiet, quiet}
				chans[ch] = tones
				orig := encode(f, chans...)
				masked, rep := mask(t, f, orig, MaskOptions{}, 97*f.BlockAlign)
				if rep.InBand != 16 || len(rep.CardLike) != 1 {
					t.Fatalf("report %+v: want 16 tones forming a card number", rep)
				}
				silence := encode(f, make([]int16, 1), make([]int16, 1))
				for _, sp := range spans {
					for i := sp[0]; i < sp[1]; i++ {
						for k := range f.BlockAlign {
							if masked[i*f.BlockAlign+k] != silence[k] {
								t.Fatalf("frame %d of a tone [%d,%d) is not silent", i, sp[0], sp[1])
							}
						}
					}
				}
			})
		}
	}
}

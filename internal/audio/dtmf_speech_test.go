package audio

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// False positives: speech and music must not pass for DTMF. The speech comes from espeak-ng,
// made once per test run into a temporary directory; the music is synthesised here.

// speechVoices are espeak-ng voices with variants, pitch and speed, for variety.
var speechVoices = []struct {
	voice        string
	pitch, speed int
}{
	{"en", 50, 175}, {"en-us+f3", 70, 160}, {"en-gb-x-rp+m7", 35, 190}, {"de+f4", 80, 150},
	{"fr+m2", 40, 170}, {"es+f2", 65, 180}, {"it+m3", 30, 165}, {"nl+f1", 90, 185},
}

var speechWords = strings.Fields(`the caller said that her card was declined again yesterday
so please read me the number on the back four one one one seven two zero nine eight five six
three thank you for holding your call is important to us we will be with you shortly account
balance payment due date reference number one hundred and twenty pounds euros dollars cents
hello good morning afternoon evening yes no maybe could you repeat that slowly please mister
missus doctor street road avenue London Paris Berlin Madrid Rome Amsterdam Monday Tuesday
Wednesday Thursday Friday Saturday Sunday January February March April ringing beep tone`)

// speechText returns about n words of pseudo-random sentences.
func speechText(n int, seed uint64) string {
	rng := rand.New(rand.NewPCG(seed, 42))
	var b strings.Builder
	for i := range n {
		b.WriteString(speechWords[rng.IntN(len(speechWords))])
		switch {
		case i%11 == 10:
			b.WriteString(". ")
		case i%5 == 4:
			b.WriteString(", ")
		default:
			b.WriteString(" ")
		}
	}
	return b.String()
}

var speech struct {
	once      sync.Once
	err       error
	at8, at16 [][]int16 // one clip per voice
}

// speechClips returns the espeak-ng clips at 8 and 16 kHz, each scaled to an RMS of -18 dBm0.
func speechClips(t *testing.T) ([][]int16, [][]int16) {
	t.Helper()
	espeak := needCommand(t, "espeak-ng")
	sox := needCommand(t, "sox")
	speech.once.Do(func() {
		dir, err := os.MkdirTemp("", "callvault-speech-")
		if err != nil {
			speech.err = err
			return
		}
		defer os.RemoveAll(dir)
		speech.at8 = make([][]int16, len(speechVoices))
		speech.at16 = make([][]int16, len(speechVoices))
		errs := make([]error, len(speechVoices))
		sem := make(chan struct{}, 2)
		var wg sync.WaitGroup
		for i, v := range speechVoices {
			wg.Go(func() {
				sem <- struct{}{}
				defer func() { <-sem }()
				errs[i] = func() error {
					wav := filepath.Join(dir, fmt.Sprint(i, ".wav"))
					text := speechText(240, uint64(i))
					cmd := exec.Command(espeak, "-v", v.voice, "-p", fmt.Sprint(v.pitch), "-s", fmt.Sprint(v.speed), "-w", wav, text)
					if out, err := cmd.CombinedOutput(); err != nil {
						return fmt.Errorf("espeak-ng -v %s: %v: %s", v.voice, err, out)
					}
					for _, r := range []struct {
						rate int
						dst  *[]int16
					}{{8000, &speech.at8[i]}, {16000, &speech.at16[i]}} {
						raw := filepath.Join(dir, fmt.Sprint(i, "-", r.rate, ".raw"))
						if out, err := exec.Command(sox, wav, "-r", fmt.Sprint(r.rate), "-c", "1", "-b", "16", "-e", "signed-integer", "-t", "raw", raw).CombinedOutput(); err != nil {
							return fmt.Errorf("sox: %v: %s", err, out)
						}
						b, err := os.ReadFile(raw)
						if err != nil {
							return err
						}
						s := make([]int16, len(b)/2)
						for k := range s {
							s[k] = int16(binary.LittleEndian.Uint16(b[2*k:]))
						}
						*r.dst = scaleRMS(s, -18)
					}
					return nil
				}()
			})
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				speech.err = err
			}
		}
	})
	if speech.err != nil {
		t.Fatal(speech.err)
	}
	return speech.at8, speech.at16
}

// scaleRMS scales s to the given RMS level in dBm0.
func scaleRMS(s []int16, dBm0 float64) []int16 {
	var e float64
	for _, v := range s {
		e += float64(v) * float64(v)
	}
	rms := math.Sqrt(e / float64(max(1, len(s))))
	g := dbm0(dBm0) / math.Sqrt2 / max(rms, 1)
	out := make([]int16, len(s))
	for i, v := range s {
		out[i] = int16(max(-32768, min(32767, math.Round(float64(v)*g))))
	}
	return out
}

// mixNoise adds white noise at the given level (dBm0) and gain (dB) to s, as a channel would.
func mixNoise(s []int16, rate int, gainDB, noiseDBm0 float64, seed uint64) []int16 {
	sig := newSignal(rate)
	g := math.Pow(10, gainDB/20)
	sig.x = make([]float64, len(s))
	for i, v := range s {
		sig.x[i] = float64(v) * g
	}
	if noiseDBm0 != 0 {
		sig.noise(noiseDBm0, seed)
	}
	return sig.pcm()
}

// TestDTMFSpeechFalsePositives runs over ten minutes of speech in eight voices through the
// detector, clean, mixed with noise, through G.711, loud enough to clip, and at 16 kHz:
// not one digit may be found, even at the masker's level line, far below Q.24's.
func TestDTMFSpeechFalsePositives(t *testing.T) {
	at8, at16 := speechClips(t)
	var total int
	for _, c := range at8 {
		total += len(c)
	}
	if d := time.Duration(total) * time.Second / 8000; d < 10*time.Minute {
		t.Fatalf("only %v of speech; the test needs at least ten minutes", d)
	}
	variants := []struct {
		name  string
		rate  int
		gain  float64 // dB
		noise float64 // dBm0, 0 for none
		via   codec
	}{
		{"clean", 8000, 0, 0, linear},
		{"mu-law, quiet line", 8000, 0, -45, muLawRT},
		{"A-law, noisy line", 8000, -6, -30, aLawRT},
		{"mu-law, loud and clipping", 8000, 14, -40, muLawRT},
		{"16 kHz, noise", 16000, 0, -40, linear},
	}
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			t.Parallel()
			clips := at8
			if v.rate == 16000 {
				clips = at16
			}
			for i, clip := range clips {
				s := v.via.via(mixNoise(clip, v.rate, v.gain, v.noise, uint64(i)))
				if tones := detectAt(t, v.rate, dtmfMaskLevelDBm0, s, 160); len(tones) > 0 {
					t.Errorf("voice %s: %d digits found in speech, first at %.2f s", speechVoices[i].voice, len(tones), float64(tones[0].Start)/float64(v.rate))
				}
			}
		})
	}
}

// music synthesises notes with harmonics (partials 1/n in amplitude, as in strings and
// reeds): every two-note and three-note chord of the octaves around the DTMF band, held for
// 150 ms, a melody over the whole range and sweeps of single tones and of harmonic tones.
func music(rate int) []int16 {
	note := func(n int) float64 { return 440 * math.Pow(2, float64(n-69)/12) } // MIDI note
	s := newSignal(rate)
	add := func(ms float64, freqs []float64, partials int, level float64) {
		n := s.samples(ms)
		base := len(s.x)
		s.x = append(s.x, make([]float64, n)...)
		a := dbm0(level) / float64(len(freqs))
		for _, f := range freqs {
			for p := 1; p <= partials; p++ {
				if f*float64(p) >= float64(rate)/2 {
					break
				}
				for i := range n {
					env := math.Min(1, float64(i)/float64(rate)*200) * math.Exp(-float64(i)/float64(rate)*3)
					s.x[base+i] += a / float64(p) * env * math.Sin(2*math.Pi*f*float64(p)*float64(i)/float64(rate))
				}
			}
		}
	}
	for lo := 74; lo <= 83; lo++ { // D5 to B5, around the low group
		for hi := 86; hi <= 92; hi++ { // D6 to G#6, around the high group
			add(150, []float64{note(lo), note(hi)}, 6, -8)
			add(150, []float64{note(lo), note(hi), note(hi - 7)}, 4, -6)
		}
	}
	for n := 48; n <= 96; n++ {
		add(120, []float64{note(n)}, 8, -10)
	}
	sweep := func(ms, f0, f1 float64, partials int) {
		n := s.samples(ms)
		ph := 0.0
		for i := range n {
			f := f0 + (f1-f0)*float64(i)/float64(n)
			ph += 2 * math.Pi * f / float64(rate)
			var v float64
			for p := 1; p <= partials && f*float64(p) < float64(rate)/2; p++ {
				v += math.Sin(float64(p)*ph) / float64(p)
			}
			s.x = append(s.x, dbm0(-10)*v)
		}
	}
	sweep(4000, 300, 3400, 1)
	sweep(4000, 3400, 300, 1)
	sweep(6000, 200, 2000, 6)
	sweep(3000, 600, 1000, 3)
	return s.pcm()
}

// TestDTMFMusicFalsePositives: chords, melodies and sweeps are not digits.
func TestDTMFMusicFalsePositives(t *testing.T) {
	for _, rate := range []int{8000, 16000} {
		m := music(rate)
		for _, ch := range channels {
			if rate != 8000 && ch.name != "linear" {
				continue
			}
			if tones := detectAt(t, rate, dtmfMaskLevelDBm0, ch.via(m), 160); len(tones) > 0 {
				t.Errorf("%d Hz %s: %d digits found in music, first at %.2f s", rate, ch.name, len(tones), float64(tones[0].Start)/float64(rate))
			}
		}
	}
}

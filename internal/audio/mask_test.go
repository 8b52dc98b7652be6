package audio

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/callvault/callvault/internal/testenv"
)

// needCommand returns the path of an external program the test needs; without it the test is
// skipped, or fails when the test script requires every external component.
func needCommand(t testing.TB, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	if os.Getenv(testenv.RequireExternal) == "1" {
		t.Fatalf("%s is not installed and %s=1: scripts/test.sh installs it", name, testenv.RequireExternal)
	}
	t.Skipf("%s is not installed; scripts/test.sh installs it", name)
	return ""
}

// encode interleaves the channels' samples as frames of f.
func encode(f Format, chans ...[]int16) []byte {
	var out []byte
	for i := range chans[0] {
		for _, c := range chans {
			switch f.Codec {
			case "pcm_mulaw":
				out = append(out, MuLawEncode(c[i]))
			case "pcm_alaw":
				out = append(out, ALawEncode(c[i]))
			default:
				out = append(out, byte(c[i]), byte(uint16(c[i])>>8))
			}
		}
	}
	return out
}

// mask runs data through a Masker in chunks of the given size.
func mask(t testing.TB, f Format, data []byte, opts MaskOptions, chunk int) ([]byte, MaskReport) {
	t.Helper()
	var out bytes.Buffer
	m, err := NewMasker(&out, f, opts)
	if err != nil {
		t.Fatal(err)
	}
	for p := data; len(p) > 0; {
		n := min(chunk, len(p))
		if k, err := m.Write(p[:n]); err != nil || k != n {
			t.Fatalf("Write: %d, %v", k, err)
		}
		p = p[n:]
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if out.Len() != len(data) {
		t.Fatalf("masker wrote %d bytes for %d", out.Len(), len(data))
	}
	return out.Bytes(), m.Report()
}

// multimon returns the digits that multimon-ng, an independent decoder, finds in a WAV of data.
func multimon(t *testing.T, f Format, data []byte) string {
	t.Helper()
	bin := needCommand(t, "multimon-ng")
	needCommand(t, "sox") // multimon-ng reads WAV files through sox
	var wav bytes.Buffer
	if err := WriteHeader(&wav, f, int64(len(data))); err != nil {
		t.Fatal(err)
	}
	wav.Write(data)
	path := filepath.Join(t.TempDir(), "call.wav")
	if err := os.WriteFile(path, wav.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-q", "-c", "-a", "DTMF", "-t", "wav", path).CombinedOutput()
	if err != nil {
		t.Fatalf("multimon-ng: %v\n%s", err, out)
	}
	var digits strings.Builder
	for _, line := range strings.Split(string(out), "\n") {
		if d, ok := strings.CutPrefix(strings.TrimSpace(line), "DTMF: "); ok {
			digits.WriteString(d)
		}
	}
	return digits.String()
}

const testCard = "4111 1111 1111 1111"

// cardCall keys the test card number in groups of four on a quiet line and returns the
// signal and the tones' spans.
func cardCall(rate int) (*signal, [][2]int) {
	s := newSignal(rate).silence(300)
	var spans [][2]int
	for _, group := range strings.Fields(testCard) {
		spans = append(spans, s.keyed(group, 70, 70)...)
		s.silence(600)
	}
	s.noise(-55, 7)
	return s, spans
}

// TestMaskerCardNumber keys the test card number as in-band tones: multimon-ng finds all 16
// digits in the original and none after the masker, whose report says what it did without
// the digits; every frame of every tone, onset included, is silenced on every channel and
// every other byte is left as it was.
func TestMaskerCardNumber(t *testing.T) {
	for _, tc := range []struct {
		f     Format
		chunk int
	}{
		{MuLawFormat(8000, 1), 160},
		{ALawFormat(8000, 2), 333},
		{PCMFormat(16000, 2), 1},
		{PCMFormat(16000, 1), 1 << 20},
	} {
		t.Run(tc.f.String(), func(t *testing.T) {
			s, spans := cardCall(tc.f.SampleRate)
			chans := [][]int16{s.pcm()}
			if tc.f.Channels == 2 {
				other := newSignal(tc.f.SampleRate)
				other.x = make([]float64, len(s.x))
				chans = append(chans, other.noise(-30, 9).pcm())
			}
			orig := encode(tc.f, chans...)
			masked, rep := mask(t, tc.f, orig, MaskOptions{}, tc.chunk)

			if got := multimon(t, tc.f, orig); got != strings.ReplaceAll(testCard, " ", "") {
				t.Fatalf("multimon-ng finds %q in the original", got)
			}
			if got := multimon(t, tc.f, masked); got != "" {
				t.Errorf("multimon-ng finds %q in the masked audio", got)
			}
			if rep.InBand != 16 || rep.Signalled != 0 || rep.Kept != 0 || len(rep.Masked) != 16 || len(rep.CardLike) != 1 {
				t.Errorf("report %+v: want 16 tones in 16 masked spans and one card-like sequence", rep)
			}
			if c := rep.CardLike[0]; abs(c.Start-int64(spans[0][0])) > 100 || abs(c.End-int64(spans[15][1])) > 200 {
				t.Errorf("card-like span %v, keyed over [%d,%d)", c, spans[0][0], spans[15][1])
			}
			for i, sp := range spans {
				if !covered(rep.Masked, int64(sp[0]), int64(sp[1])) {
					t.Errorf("tone %d [%d,%d) is not inside the masked spans %v", i, sp[0], sp[1], rep.Masked)
				}
			}
			ba := tc.f.BlockAlign
			frame := func(b []byte, i int64) []byte { return b[i*int64(ba) : (i+1)*int64(ba)] }
			zero := make([]int16, 1)
			sil := encode(tc.f, repeat(zero, tc.f.Channels)...)
			for i := int64(0); i < int64(len(orig)/ba); i++ {
				want := frame(orig, i)
				if covered(rep.Masked, i, i+1) {
					want = sil
				}
				if !bytes.Equal(frame(masked, i), want) {
					t.Fatalf("frame %d is %x, want %x (masked spans %v)", i, frame(masked, i), want, rep.Masked)
				}
			}
		})
	}
}

func repeat(s []int16, n int) [][]int16 {
	out := make([][]int16, n)
	for i := range out {
		out[i] = s
	}
	return out
}

// covered reports whether [start, end) lies within one of spans.
func covered(spans []Span, start, end int64) bool {
	for _, s := range spans {
		if s.Start <= start && end <= s.End {
			return true
		}
	}
	return false
}

// TestMaskerCoversEdgeTones: tones at the edges of acceptance (shortest, weakest, most
// twisted, furthest off, noisiest), fed in small and large chunks, are silenced over their
// whole span: the look-ahead is long enough for the slowest confirmation.
func TestMaskerCoversEdgeTones(t *testing.T) {
	specs := []toneSpec{
		{ms: 40, lowDBm0: -10, highDBm0: -10},
		{ms: 40, lowDBm0: -30, highDBm0: -30, lowOff: 0.015, highOff: -0.015},
		{ms: 40, lowDBm0: -6, highDBm0: -14, lowOff: -0.015, highOff: 0.015},
		{ms: 45, lowDBm0: -12, highDBm0: -8},
	}
	for _, f := range []Format{MuLawFormat(8000, 1), PCMFormat(16000, 2)} {
		for _, chunk := range []int{20, 4000} {
			for _, d := range []byte(allDigits) {
				s := newSignal(f.SampleRate).silence(30)
				var spans [][2]int
				for _, spec := range specs {
					spec.digit = d
					a, b := s.tone(spec)
					spans = append(spans, [2]int{a, b})
					s.silence(60)
				}
				s.noise(-45, uint64(d))
				orig := encode(f, repeat(s.pcm(), f.Channels)...)
				masked, rep := mask(t, f, orig, MaskOptions{}, chunk)
				if rep.InBand != len(specs) {
					t.Errorf("%s digit %c: %d tones found, want %d", f, d, rep.InBand, len(specs))
				}
				ba := f.BlockAlign
				for _, sp := range spans {
					if !covered(rep.Masked, int64(sp[0]), int64(sp[1])) {
						t.Errorf("%s digit %c: tone [%d,%d) not inside the masked spans %v", f, d, sp[0], sp[1], rep.Masked)
					}
					for i := sp[0] * ba; i < sp[1]*ba; i++ {
						if masked[i] != orig[i] {
							continue
						}
						if (f.Codec == "pcm_mulaw" && masked[i] != 0xFF) || (f.Codec == "pcm_s16le" && masked[i] != 0) {
							t.Fatalf("%s digit %c: byte %d of a tone was written unmasked", f, d, i)
						}
					}
				}
			}
		}
	}
}

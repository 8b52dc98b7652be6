package audio

import (
	"io"
	"testing"
)

// benchCall is a minute of 8 kHz mu-law: the card number keyed in noise at the level of speech
// (-20 dBm0), loud enough that no block is skipped as too quiet: the detector's worst case.
func benchCall(b *testing.B) []byte {
	b.Helper()
	s := newSignal(8000).silence(20_000)
	s.keyed("4111 1111 1111 1111", 80, 80)
	s.silence(60_000 - 20_000 - 16*160)
	s.noise(-20, 1)
	pcm := s.pcm()
	out := make([]byte, len(pcm))
	for i, v := range pcm {
		out[i] = MuLawEncode(v)
	}
	return out
}

// BenchmarkMasker scans and masks 8 kHz mono mu-law; its MB/s over 0.008 MB/s (one second of
// audio per second) is how many times faster than real time one core masks.
func BenchmarkMasker(b *testing.B) {
	in := benchCall(b)
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		m, err := NewMasker(io.Discard, MuLawFormat(8000, 1), MaskOptions{})
		if err != nil {
			b.Fatal(err)
		}
		for p := in; len(p) > 0; p = p[min(len(p), 160):] {
			if _, err := m.Write(p[:min(len(p), 160)]); err != nil {
				b.Fatal(err)
			}
		}
		if err := m.Close(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMaskerBaseline is the baseline: the same bytes copied to the same writer in the
// same 20 ms chunks without masking.
func BenchmarkMaskerBaseline(b *testing.B) {
	in := benchCall(b)
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		for p := in; len(p) > 0; p = p[min(len(p), 160):] {
			io.Discard.Write(p[:min(len(p), 160)])
		}
	}
}

// BenchmarkMaskerFullScale masks a minute of full-scale random mu-law bytes, the payload of
// the SIPREC capture benchmark: loud white noise, the detector's worst case before its
// spectral pre-check.
func BenchmarkMaskerFullScale(b *testing.B) {
	in := make([]byte, 8000*60)
	x := uint32(12345)
	for i := range in {
		x = x*1664525 + 1013904223
		in[i] = byte(x >> 24)
	}
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		m, err := NewMasker(io.Discard, MuLawFormat(8000, 1), MaskOptions{})
		if err != nil {
			b.Fatal(err)
		}
		for p := in; len(p) > 0; p = p[min(len(p), 160):] {
			if _, err := m.Write(p[:min(len(p), 160)]); err != nil {
				b.Fatal(err)
			}
		}
		if err := m.Close(); err != nil {
			b.Fatal(err)
		}
	}
}

package audio

import (
	"bytes"
	"io"
	"testing"
)

// benchWAV is 1.4 MB of 8 kHz mono mu-law: about three minutes of a phone call.
func benchWAV(b *testing.B) []byte {
	b.Helper()
	return makeWAV(b, MuLawFormat(8000, 1), 1_400_000)
}

func BenchmarkWAVReader(b *testing.B) {
	in := benchWAV(b)
	b.SetBytes(int64(len(in)))
	r := bytes.NewReader(in)
	for b.Loop() {
		r.Reset(in)
		w, err := NewWAVReader(r)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := io.Copy(io.Discard, w); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCopy is the baseline: the same bytes through io.Copy without validation.
func BenchmarkCopy(b *testing.B) {
	in := benchWAV(b)
	b.SetBytes(int64(len(in)))
	r := bytes.NewReader(in)
	for b.Loop() {
		r.Reset(in)
		// Hide WriterTo so that io.Copy uses a buffer, as it must with a WAVReader.
		if _, err := io.Copy(io.Discard, struct{ io.Reader }{r}); err != nil {
			b.Fatal(err)
		}
	}
}

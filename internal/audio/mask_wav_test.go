package audio

import (
	"bytes"
	"io"
	"testing"
)

// TestWAVMasker: in a WAV file with chunks before and after the audio, and in a streamed one
// of unknown length, only the audio changes: the tones are silenced, everything else is kept
// byte for byte, and the result is a valid WAV of the same size.
func TestWAVMasker(t *testing.T) {
	s, spans := cardCall(8000)
	data := encode(MuLawFormat(8000, 1), s.pcm())
	list := chunk("LIST", []byte("INFOISFT\x05\x00\x00\x00test\x00\x00"))
	files := map[string][]byte{
		"sized":    riff(chunk("JUNK", pattern(12)), muLawFmt(1, 8000), chunk("data", data), list),
		"streamed": append(riffSized(0xFFFFFFFF, muLawFmt(1, 8000), sizedChunk("data", 0xFFFFFFFF, nil)), data...),
	}
	for name, file := range files {
		t.Run(name, func(t *testing.T) {
			r, err := NewWAVReader(bytes.NewReader(file))
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			m, err := NewWAVMasker(&out, r, MaskOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := io.CopyBuffer(m, r, make([]byte, 1000)); err != nil {
				t.Fatal(err)
			}
			if err := m.Close(); err != nil {
				t.Fatal(err)
			}
			got := out.Bytes()
			if len(got) != len(file) {
				t.Fatalf("%d bytes out of %d", len(got), len(file))
			}
			start := int(r.DataOffset())
			end := start + len(data)
			if !bytes.Equal(got[:start], file[:start]) || !bytes.Equal(got[end:], file[end:]) {
				t.Error("bytes outside the audio changed")
			}
			rep := m.Report()
			if rep.InBand != 16 || len(rep.CardLike) != 1 {
				t.Errorf("report %+v: want 16 tones and a card-like sequence", rep)
			}
			for _, sp := range spans {
				for i := sp[0]; i < sp[1]; i++ {
					if got[start+i] != 0xFF {
						t.Fatalf("audio byte %d of a tone is %#x, not silence", i, got[start+i])
					}
				}
			}
			if r2, err := NewWAVReader(bytes.NewReader(got)); err != nil {
				t.Fatal(err)
			} else if _, err := io.Copy(io.Discard, r2); err != nil {
				t.Fatalf("masked file does not validate: %v", err)
			}
		})
	}
}

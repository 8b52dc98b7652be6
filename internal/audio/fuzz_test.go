package audio

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/callvault/callvault"
)

func FuzzWAVReader(f *testing.F) {
	f.Add(makeWAV(f, PCMFormat(8000, 1), 64))
	f.Add(makeWAV(f, MuLawFormat(8000, 2), 64))
	f.Add(makeWAV(f, ALawFormat(16000, 1), 33))
	f.Add(riff(chunk("LIST", pattern(9)), pcmFmt(1, 8000), chunk("data", pattern(32)), chunk("LIST", pattern(5))))
	f.Add(riff(chunk("fmt ", extensibleBody(tagPCM, 2, 8000, 16, 16)), chunk("data", pattern(32))))
	f.Add(append(riffSized(0xFFFFFFFF, muLawFmt(1, 8000), sizedChunk("data", 0xFFFFFFFF, nil)), pattern(40)...))
	f.Add(riff(pcmFmt(1, 8000), chunk("data", pattern(10)))[:40])
	f.Add(riff(chunk("fmt ", fmtBody(3, 1, 8000, 32000, 4, 32)), chunk("data", pattern(8))))
	f.Add([]byte("ID3\x04\x00"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, in []byte) {
		w, err := NewWAVReader(bytes.NewReader(in))
		if err != nil {
			checkErr(t, err)
			return
		}
		out, err := io.ReadAll(w)
		if err != nil {
			checkErr(t, err)
			if !bytes.Equal(out, in[:len(out)]) {
				t.Fatal("bytes read before the error differ from the input")
			}
			return
		}
		if !bytes.Equal(out, in) {
			t.Fatalf("read %d bytes that differ from the %d-byte input", len(out), len(in))
		}
		if err := w.Format().Validate(); err != nil {
			t.Fatalf("accepted a file of invalid format %+v: %v", w.Format(), err)
		}
		if w.DataBytes() <= 0 || w.DataBytes()%int64(w.Format().BlockAlign) != 0 || w.DataBytes() > int64(len(in)) {
			t.Fatalf("accepted a file with %d audio bytes", w.DataBytes())
		}
	})
}

func checkErr(t *testing.T, err error) {
	t.Helper()
	var ce *callvault.Error
	if !errors.As(err, &ce) || (ce.Kind != callvault.KindInvalid && ce.Kind != callvault.KindUnsupported) || ce.Message == "" {
		t.Fatalf("error %v is not a KindInvalid or KindUnsupported *callvault.Error", err)
	}
}

package audio

import (
	"bytes"
	"encoding/binary"
	"io"
	"testing"

	"github.com/callvault/callvault"
)

func TestWriteHeaderPCMIsCanonical(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteHeader(&buf, PCMFormat(8000, 1), 16000); err != nil {
		t.Fatal(err)
	}
	want := riff(pcmFmt(1, 8000), chunk("data", make([]byte, 16000)))[:44]
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("header\n%x\nwant\n%x", buf.Bytes(), want)
	}
}

func TestWriteHeaderRoundTrip(t *testing.T) {
	for _, f := range []Format{PCMFormat(8000, 1), PCMFormat(44100, 2), MuLawFormat(8000, 1), MuLawFormat(8000, 2), ALawFormat(16000, 1)} {
		for _, n := range []int64{int64(f.BlockAlign) * 999, -1} {
			var buf bytes.Buffer
			if err := WriteHeader(&buf, f, n); err != nil {
				t.Fatalf("%v, %d: %v", f, n, err)
			}
			audio := int64(f.BlockAlign) * 999
			buf.Write(pattern(int(audio)))
			if n > 0 && n%2 == 1 {
				buf.WriteByte(0)
			}
			if n < 0 && binary.LittleEndian.Uint32(buf.Bytes()[4:]) != 0xFFFFFFFF {
				t.Errorf("%v streamed: RIFF size is not 0xFFFFFFFF", f)
			}
			w, out, err := readWAV(bytes.NewReader(buf.Bytes()))
			if err != nil {
				t.Fatalf("%v, %d: reading back: %v", f, n, err)
			}
			if !bytes.Equal(out, buf.Bytes()) || w.Format() != f || w.DataBytes() != audio {
				t.Errorf("%v, %d: read back %v with %d audio bytes", f, n, w.Format(), w.DataBytes())
			}
		}
	}
}

func TestWriteHeaderRejects(t *testing.T) {
	tests := []struct {
		name string
		f    Format
		n    int64
		kind callvault.Kind
	}{
		{"unknown codec", Format{Codec: "opus", SampleRate: 8000, Channels: 1, BitsPerSample: 8, BlockAlign: 1}, 10, callvault.KindUnsupported},
		{"96 kHz", PCMFormat(96000, 1), 10, callvault.KindUnsupported},
		{"3 channels", MuLawFormat(8000, 3), 30, callvault.KindUnsupported},
		{"wrong block align", Format{Codec: callvault.CodecPCM16, SampleRate: 8000, Channels: 1, BitsPerSample: 16, BlockAlign: 4}, 8, callvault.KindInvalid},
		{"partial frame", PCMFormat(8000, 1), 11, callvault.KindInvalid},
		{"over 4 GiB", MuLawFormat(8000, 1), 1 << 32, callvault.KindTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := WriteHeader(io.Discard, tt.f, tt.n)
			if !callvault.IsKind(err, tt.kind) {
				t.Errorf("got %v, want a %s error", err, tt.kind)
			}
		})
	}
}

package audio

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/callvault/callvault"
)

func TestWAVReaderAccepts(t *testing.T) {
	list := chunk("LIST", append([]byte("INFOICMT"), chunk("", []byte("odd"))[4:]...))
	tests := []struct {
		name      string
		in        []byte
		format    Format
		dataBytes int64
		duration  time.Duration
	}{
		{"pcm mono 8k", makeWAV(t, PCMFormat(8000, 1), 16000), PCMFormat(8000, 1), 16000, time.Second},
		{"pcm stereo 48k", makeWAV(t, PCMFormat(48000, 2), 48000*4/2), PCMFormat(48000, 2), 96000, 500 * time.Millisecond},
		{"mu-law mono", makeWAV(t, MuLawFormat(8000, 1), 12000), MuLawFormat(8000, 1), 12000, 1500 * time.Millisecond},
		{"mu-law odd size with pad", makeWAV(t, MuLawFormat(8000, 1), 8001), MuLawFormat(8000, 1), 8001, time.Second + 125*time.Microsecond},
		{"a-law stereo", makeWAV(t, ALawFormat(16000, 2), 64000), ALawFormat(16000, 2), 64000, 2 * time.Second},
		{"chunks before and after data", riff(chunk("LIST", []byte("INFOISFT\x05\x00\x00\x00sox\x00\x00")), pcmFmt(1, 8000),
			chunk("fact", []byte{1, 0, 0, 0}), chunk("data", pattern(800)), list, chunk("cue ", pattern(3))),
			PCMFormat(8000, 1), 800, 50 * time.Millisecond},
		{"odd data and trailing chunk missing its final pad", bytes.TrimSuffix(riff(muLawFmt(1, 8000), chunk("data", pattern(801)), chunk("note", pattern(5))), []byte{0}),
			MuLawFormat(8000, 1), 801, 100*time.Millisecond + 125*time.Microsecond},
		{"extensible pcm", riff(chunk("fmt ", extensibleBody(tagPCM, 1, 16000, 16, 16)), chunk("data", pattern(3200))),
			PCMFormat(16000, 1), 3200, 100 * time.Millisecond},
		{"fmt with cbSize", riff(chunk("fmt ", append(fmtBody(tagALaw, 1, 8000, 8000, 1, 8), 0, 0)), chunk("data", pattern(80))),
			ALawFormat(8000, 1), 80, 10 * time.Millisecond},
		{"streamed: sizes 0xFFFFFFFF", append(riffSized(0xFFFFFFFF, pcmFmt(1, 8000), sizedChunk("data", 0xFFFFFFFF, nil)), pattern(1600)...),
			PCMFormat(8000, 1), 1600, 100 * time.Millisecond},
		{"streamed: sizes 0", append(riffSized(0, pcmFmt(2, 8000), sizedChunk("data", 0, nil)), pattern(3200)...),
			PCMFormat(8000, 2), 3200, 100 * time.Millisecond},
		{"riff size counts its own header", riffSized(uint32(len(riff(pcmFmt(1, 8000), chunk("data", pattern(160))))), pcmFmt(1, 8000), chunk("data", pattern(160))),
			PCMFormat(8000, 1), 160, 10 * time.Millisecond},
		{"riff size ignores a chunk after data", riffSized(36+160, pcmFmt(1, 8000), chunk("data", pattern(160)), chunk("LIST", pattern(100))),
			PCMFormat(8000, 1), 160, 10 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, mode := range []string{"whole", "one byte at a time", "data with EOF"} {
				var r io.Reader = bytes.NewReader(tt.in)
				switch mode {
				case "one byte at a time":
					r = iotest.OneByteReader(r)
				case "data with EOF":
					r = iotest.DataErrReader(r)
				}
				w, out, err := readWAV(r)
				if err != nil {
					t.Fatalf("%s: %v", mode, err)
				}
				if !bytes.Equal(out, tt.in) {
					t.Fatalf("%s: read %d bytes that differ from the %d-byte input", mode, len(out), len(tt.in))
				}
				if w.Format() != tt.format {
					t.Errorf("%s: Format() = %+v, want %+v", mode, w.Format(), tt.format)
				}
				if w.DataBytes() != tt.dataBytes {
					t.Errorf("%s: DataBytes() = %d, want %d", mode, w.DataBytes(), tt.dataBytes)
				}
				if w.Duration() != tt.duration {
					t.Errorf("%s: Duration() = %v, want %v", mode, w.Duration(), tt.duration)
				}
			}
		})
	}
}

func TestWAVReaderRejects(t *testing.T) {
	const (
		inv = callvault.KindInvalid
		uns = callvault.KindUnsupported
	)
	fmt1 := pcmFmt(1, 8000)
	data := chunk("data", pattern(160))
	good := riff(fmt1, data)
	tests := []struct {
		name string
		in   []byte
		kind callvault.Kind
		msg  string
	}{
		{"empty", nil, inv, "audio is empty"},
		{"mp3 with ID3 tag", []byte("ID3\x04\x00\x00\x00\x00\x00\x00 more mp3"), inv, "expected RIFF header, got ID3 (an MP3?)"},
		{"mp3 frame", []byte{0xFF, 0xFB, 0x90, 0x64, 0, 0, 0, 0, 0, 0, 0, 0}, inv, "MPEG audio frame"},
		{"ogg", []byte("OggS\x00\x02\x00\x00\x00\x00\x00\x00"), inv, "OggS"},
		{"json", []byte(`{"started_at":"x"}`), inv, "got JSON"},
		{"short garbage", []byte("hi"), inv, "not a WAV file"},
		{"three bytes of RIFF", []byte("RIF"), inv, "truncated WAV header"},
		{"eleven bytes", []byte("RIFF\x24\x00\x00\x00WAV"), inv, "truncated WAV header"},
		{"avi", append([]byte("RIFF\x24\x00\x00\x00AVI "), fmt1...), inv, `form type is "AVI "`},
		{"rf64", append([]byte("RF64"), good[4:]...), uns, "RF64"},
		{"rifx", append([]byte("RIFX"), good[4:]...), uns, "big-endian"},
		{"header cut in fmt", good[:30], inv, "truncated WAV header"},
		{"no data chunk", riff(fmt1), inv, "no data chunk"},
		{"data before fmt", riff(data, fmt1), inv, "data chunk comes before the fmt chunk"},
		{"two fmt chunks", riff(fmt1, fmt1, data), inv, "more than one fmt chunk"},
		{"absurd fmt size", riff(sizedChunk("fmt ", 100000, fmtBody(tagPCM, 1, 8000, 16000, 2, 16)), data), inv, "absurd fmt chunk size 100000"},
		{"short fmt", riff(chunk("fmt ", fmtBody(tagPCM, 1, 8000, 16000, 2, 16)[:14]), data), inv, "absurd fmt chunk size 14"},
		{"absurd LIST size", riff(fmt1, sizedChunk("LIST", 0x7FFFFFF0, nil), data), inv, `absurd chunk size 2147483632 for "LIST" chunk`},
		{"binary chunk id", riff(fmt1, chunk("\x00\x01\x02\x03", nil), data), inv, "chunk ID 0x00010203"},
		{"ieee float", riff(chunk("fmt ", fmtBody(3, 1, 8000, 32000, 4, 32)), data), uns, "unsupported WAV encoding: IEEE float; use 16-bit PCM, G.711 mu-law or A-law"},
		{"24-bit pcm", riff(chunk("fmt ", fmtBody(tagPCM, 1, 8000, 24000, 3, 24)), data), uns, "24-bit PCM"},
		{"8-bit pcm", riff(chunk("fmt ", fmtBody(tagPCM, 1, 8000, 8000, 1, 8)), data), uns, "8-bit PCM"},
		{"gsm", riff(chunk("fmt ", fmtBody(0x31, 1, 8000, 1625, 65, 0)), data), uns, "GSM 6.10"},
		{"16-bit mu-law", riff(chunk("fmt ", fmtBody(tagMuLaw, 1, 8000, 16000, 2, 16)), data), uns, "G.711 mu-law with 16 bits"},
		{"extensible float", riff(chunk("fmt ", extensibleBody(3, 1, 8000, 32, 32)), data), uns, "subformat IEEE float"},
		{"extensible 12 valid bits", riff(chunk("fmt ", extensibleBody(tagPCM, 1, 8000, 16, 12)), data), uns, "12 valid bits"},
		{"three channels", riff(chunk("fmt ", fmtBody(tagPCM, 3, 8000, 48000, 6, 16)), data), uns, "3 channels"},
		{"zero channels", riff(chunk("fmt ", fmtBody(tagPCM, 0, 8000, 0, 0, 16)), data), inv, "0 channels"},
		{"96 kHz", riff(chunk("fmt ", fmtBody(tagPCM, 1, 96000, 192000, 2, 16)), data), uns, "96000 Hz"},
		{"4 kHz", riff(chunk("fmt ", fmtBody(tagPCM, 1, 4000, 8000, 2, 16)), data), uns, "4000 Hz"},
		{"0 Hz", riff(chunk("fmt ", fmtBody(tagPCM, 1, 0, 0, 2, 16)), data), inv, "sample rate of 0 Hz"},
		{"bad block align", riff(chunk("fmt ", fmtBody(tagPCM, 2, 8000, 32000, 2, 16)), data), inv, "block align 2, expected 4"},
		{"bad byte rate", riff(chunk("fmt ", fmtBody(tagPCM, 1, 8000, 8000, 2, 16)), data), inv, "8000 bytes per second, expected 16000"},
		{"data not whole frames", riff(fmt1, chunk("data", pattern(161))), inv, "not a multiple of the 2-byte block align"},
		{"empty data", riff(fmt1, chunk("data", nil)), inv, "audio is empty"},
		{"streamed but empty", riffSized(0xFFFFFFFF, fmt1, sizedChunk("data", 0xFFFFFFFF, nil)), inv, "audio is empty"},
		{"streamed partial frame", append(riffSized(0xFFFFFFFF, fmt1, sizedChunk("data", 0xFFFFFFFF, nil)), pattern(161)...), inv, "not a whole number of 2-byte frames"},
		{"truncated data", good[:len(good)-60], inv, "truncated WAV: data chunk declares 160 bytes, got 100"},
		{"garbage after data", append(bytes.Clone(good), 0, 0, 0, 0, 0, 0, 0, 0), inv, "unexpected bytes after the audio"},
		{"second data chunk", append(bytes.Clone(good), data...), inv, "second data chunk"},
		{"chunk after data cut short", riff(fmt1, data, sizedChunk("LIST", 100, pattern(10))), inv, `"LIST" chunk after the audio declares 100 bytes, got 10`},
		{"half a chunk header after data", append(bytes.Clone(good), 'L', 'I'), inv, "incomplete chunk header"},
		{"absurd chunk after data", riff(fmt1, data, sizedChunk("LIST", 0x10000000, nil)), inv, "absurd chunk size 268435456"},
		{"riff size far beyond the file", riffSized(1<<30, fmt1, data), inv, "truncated WAV: RIFF header declares"},
		{"riff size smaller than header", riffSized(20, fmt1, data), inv, "smaller than the 44-byte header"},
		{"data larger than riff", riffSized(100, fmt1, chunk("data", pattern(160))), inv, "more than the RIFF size 100 allows"},
		{"fact too short", riff(fmt1, chunk("fact", []byte{1}), data), inv, "fact chunk is 1 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, out, err := readWAV(bytes.NewReader(tt.in))
			if err == nil {
				t.Fatalf("accepted (%d bytes read); want %s error containing %q", len(out), tt.kind, tt.msg)
			}
			var ce *callvault.Error
			if !errors.As(err, &ce) {
				t.Fatalf("error %v (%T) is not a *callvault.Error", err, err)
			}
			if ce.Kind != tt.kind || !strings.Contains(ce.Message, tt.msg) {
				t.Errorf("got %s error %q, want %s containing %q", ce.Kind, ce.Message, tt.kind, tt.msg)
			}
		})
	}
}

func TestWAVReaderPassesReadErrorsThrough(t *testing.T) {
	boom := errors.New("connection reset")
	good := makeWAV(t, PCMFormat(8000, 1), 1600)

	// In the header.
	if _, err := NewWAVReader(io.MultiReader(bytes.NewReader(good[:20]), iotest.ErrReader(boom))); !errors.Is(err, boom) {
		t.Errorf("header read error: got %v, want %v", err, boom)
	}
	// In the audio, and it stays.
	w, err := NewWAVReader(io.MultiReader(bytes.NewReader(good[:100]), iotest.ErrReader(boom)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadAll(w); !errors.Is(err, boom) {
		t.Errorf("data read error: got %v, want %v", err, boom)
	}
	if _, err := w.Read(make([]byte, 10)); !errors.Is(err, boom) {
		t.Errorf("read after error: got %v, want %v", err, boom)
	}
}

func TestWAVReaderErrorIsSticky(t *testing.T) {
	good := makeWAV(t, PCMFormat(8000, 1), 1600)
	w, err := NewWAVReader(bytes.NewReader(good[:len(good)-10]))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadAll(w); !callvault.IsKind(err, callvault.KindInvalid) {
		t.Fatalf("got %v, want a KindInvalid truncation", err)
	}
	if n, err := w.Read(make([]byte, 10)); n != 0 || !callvault.IsKind(err, callvault.KindInvalid) {
		t.Errorf("Read after failure = %d, %v; want 0 and the same error", n, err)
	}
}

func TestWAVReaderDataOffset(t *testing.T) {
	in := riff(chunk("LIST", pattern(10)), pcmFmt(1, 8000), chunk("data", pattern(160)))
	w, err := NewWAVReader(bytes.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := w.DataOffset(), int64(len(in)-160); got != want {
		t.Errorf("DataOffset() = %d, want %d", got, want)
	}
	if !bytes.Equal(in[w.DataOffset():], pattern(160)) {
		t.Error("DataOffset does not point at the audio")
	}
}

// TestWAVReaderBoundedMemory streams a long recording whose header claims no length and
// checks that the reader's memory does not grow with the audio.
func TestWAVReaderBoundedMemory(t *testing.T) {
	var hdr bytes.Buffer
	if err := WriteHeader(&hdr, MuLawFormat(8000, 1), -1); err != nil {
		t.Fatal(err)
	}
	const size = 64 << 20
	w, err := NewWAVReader(io.MultiReader(&hdr, io.LimitReader(zeroReader{}, size)))
	if err != nil {
		t.Fatal(err)
	}
	n, err := io.Copy(io.Discard, w)
	if err != nil {
		t.Fatal(err)
	}
	if w.DataBytes() != size || n != size+int64(len(w.hdr)) {
		t.Errorf("DataBytes() = %d, copied %d; want %d audio bytes", w.DataBytes(), n, size)
	}
	if cap(w.hdr) > 1024 {
		t.Errorf("reader holds %d bytes of buffer for a %d-byte header", cap(w.hdr), len(w.hdr))
	}
	if got, want := w.Duration(), 8388*time.Second+608*time.Millisecond; got != want {
		t.Errorf("Duration() = %v, want %v", got, want)
	}
}

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

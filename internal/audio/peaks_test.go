package audio

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/callvault/callvault"
)

// stereoWAV is PCM16 with a left channel at ±left and a right channel at ±right, alternating
// sign every frame, and a loud burst (±30000) on the left in the last tenth.
func stereoWAV(t *testing.T, frames int, left, right int16) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := WriteHeader(&b, PCMFormat(8000, 2), int64(frames*4)); err != nil {
		t.Fatal(err)
	}
	for i := range frames {
		l, r := left, right
		if i >= frames*9/10 {
			l = 30000
		}
		if i%2 == 1 {
			l, r = -l, -r
		}
		binary.Write(&b, binary.LittleEndian, [2]int16{l, r})
	}
	return b.Bytes()
}

func TestPeaksPerChannel(t *testing.T) {
	wav := stereoWAV(t, 8000, 12800, 0)
	w, err := Peaks(bytes.NewReader(wav), int64(len(wav)), 10)
	if err != nil {
		t.Fatal(err)
	}
	if w.Buckets != 10 || w.Frames != 8000 || len(w.Peaks) != 2 || len(w.Peaks[0]) != 20 {
		t.Fatalf("waveform %d buckets of %d frames, %d channels", w.Buckets, w.Frames, len(w.Peaks))
	}
	for b := range 9 {
		if lo, hi := w.Peaks[0][2*b], w.Peaks[0][2*b+1]; lo != -50 || hi != 50 {
			t.Errorf("left bucket %d: %d..%d, want -50..50", b, lo, hi)
		}
		if lo, hi := w.Peaks[1][2*b], w.Peaks[1][2*b+1]; lo != 0 || hi != 0 {
			t.Errorf("right (silent) bucket %d: %d..%d", b, lo, hi)
		}
	}
	if lo, hi := w.Peaks[0][18], w.Peaks[0][19]; lo != -118 || hi != 117 {
		t.Errorf("the loud last bucket: %d..%d", lo, hi)
	}
}

func TestPeaksG711AndFewFrames(t *testing.T) {
	var b bytes.Buffer
	WriteHeader(&b, MuLawFormat(8000, 1), 3)
	b.Write([]byte{MuLawEncode(-16000), MuLawEncode(0), MuLawEncode(16000)})
	w, err := Peaks(bytes.NewReader(b.Bytes()), int64(b.Len()), 1000)
	if err != nil {
		t.Fatal(err)
	}
	if w.Buckets != 3 || len(w.Peaks) != 1 {
		t.Fatalf("%d buckets, %d channels; want 3 (one per frame), 1", w.Buckets, len(w.Peaks))
	}
	if w.Peaks[0][0] > -60 || w.Peaks[0][5] < 60 || w.Peaks[0][2] != 0 {
		t.Errorf("mu-law peaks %v", w.Peaks[0])
	}
}

func TestPeaksRefusals(t *testing.T) {
	wav := stereoWAV(t, 100, 1, 1)
	for _, n := range []int{0, -1, MaxPeakBuckets + 1} {
		if _, err := Peaks(bytes.NewReader(wav), int64(len(wav)), n); !callvault.IsKind(err, callvault.KindInvalid) {
			t.Errorf("%d buckets: %v", n, err)
		}
	}
	if _, err := Peaks(bytes.NewReader([]byte("not a wav file at all")), 21, 10); !callvault.IsKind(err, callvault.KindInvalid) {
		t.Errorf("not a WAV: %v", err)
	}
}

// BenchmarkPeaks measures the waveform of ten minutes of stereo PCM against the baseline of
// reading the same bytes in the same blocks (what serving the file costs before decryption).
func BenchmarkPeaks(b *testing.B) {
	var buf bytes.Buffer
	frames := 8000 * 600
	WriteHeader(&buf, PCMFormat(8000, 2), int64(frames*4))
	buf.Write(make([]byte, frames*4))
	wav := bytes.NewReader(buf.Bytes())
	b.Run("read", func(b *testing.B) {
		b.SetBytes(int64(buf.Len()))
		block := make([]byte, 64<<10)
		for b.Loop() {
			for off := int64(0); off < int64(buf.Len()); off += int64(len(block)) {
				wav.ReadAt(block, off)
			}
		}
	})
	b.Run("peaks", func(b *testing.B) {
		b.SetBytes(int64(buf.Len()))
		for b.Loop() {
			if _, err := Peaks(wav, int64(buf.Len()), 1000); err != nil {
				b.Fatal(err)
			}
		}
	})
}

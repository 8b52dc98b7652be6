package audio

import "testing"

func TestMuLawRoundTripsEveryCode(t *testing.T) {
	for c := range 256 {
		want := byte(c)
		if want == 0x7F { // negative zero decodes to 0, which encodes as positive zero
			want = 0xFF
		}
		if got := MuLawEncode(MuLawDecode(byte(c))); got != want {
			t.Errorf("MuLawEncode(MuLawDecode(0x%02X)) = 0x%02X, want 0x%02X", c, got, want)
		}
	}
}

func TestALawRoundTripsEveryCode(t *testing.T) {
	for c := range 256 {
		if got := ALawEncode(ALawDecode(byte(c))); got != byte(c) {
			t.Errorf("ALawEncode(ALawDecode(0x%02X)) = 0x%02X", c, got)
		}
	}
}

// Values from ITU-T G.711 tables 2 (mu-law) and 1 (A-law), scaled to 16 bits as common
// implementations do (mu-law decoder outputs x4, A-law x8): for example mu-law code 0xE0 is
// segment 2, step 15 (93 x 4 = 372) and A-law 0xFA is segment 3, step 15 (126 x 8 = 1008).
func TestMuLawKnownValues(t *testing.T) {
	decode := map[byte]int16{
		0xFF: 0, 0x7F: 0, 0xFE: 8, 0x7E: -8, 0xF0: 120, 0xEF: 132, 0xE0: 372,
		0xCF: 924, 0xBF: 1980, 0x8F: 16764, 0x80: 32124, 0x00: -32124,
	}
	for c, want := range decode {
		if got := MuLawDecode(c); got != want {
			t.Errorf("MuLawDecode(0x%02X) = %d, want %d", c, got, want)
		}
	}
	encode := map[int16]byte{
		0: 0xFF, 1: 0xFF, -1: 0x7E, 8: 0xFE, 32767: 0x80, -32768: 0x00, 32124: 0x80, 1000: 0xCE, -1000: 0x4E,
	}
	for s, want := range encode {
		if got := MuLawEncode(s); got != want {
			t.Errorf("MuLawEncode(%d) = 0x%02X, want 0x%02X", s, got, want)
		}
	}
}

func TestALawKnownValues(t *testing.T) {
	decode := map[byte]int16{
		0xD5: 8, 0x55: -8, 0xD4: 24, 0xC5: 264, 0xF5: 528, 0xFA: 1008, 0xAA: 32256, 0x2A: -32256,
	}
	for c, want := range decode {
		if got := ALawDecode(c); got != want {
			t.Errorf("ALawDecode(0x%02X) = %d, want %d", c, got, want)
		}
	}
	encode := map[int16]byte{
		0: 0xD5, -1: 0x55, 15: 0xD5, 16: 0xD4, 32767: 0xAA, -32768: 0x2A, 1000: 0xFA, -1000: 0x7A,
	}
	for s, want := range encode {
		if got := ALawEncode(s); got != want {
			t.Errorf("ALawEncode(%d) = 0x%02X, want 0x%02X", s, got, want)
		}
	}
}

// TestG711EncodeIsMonotonic checks over every 16-bit sample that encoding then decoding never
// moves a louder sample below a quieter one, and stays within the codec's quantisation step.
func TestG711EncodeIsMonotonic(t *testing.T) {
	for _, c := range []struct {
		name   string
		enc    func(int16) byte
		dec    func(byte) int16
		maxErr int
	}{
		{"mu-law", MuLawEncode, MuLawDecode, 1024},
		{"a-law", ALawEncode, ALawDecode, 1024},
	} {
		prev := int16(-32768)
		for s := -32768; s <= 32767; s++ {
			got := c.dec(c.enc(int16(s)))
			if got < prev {
				t.Fatalf("%s: sample %d decodes to %d, below %d for a smaller sample", c.name, s, got, prev)
			}
			if d := int(got) - s; d > c.maxErr || d < -c.maxErr {
				t.Fatalf("%s: sample %d comes back as %d", c.name, s, got)
			}
			prev = got
		}
	}
}

func TestG711TablesMatchReference(t *testing.T) {
	for s := -32768; s <= 32767; s++ {
		if got, want := MuLawEncode(int16(s)), muLawEncodeRef(int16(s)); got != want {
			t.Fatalf("MuLawEncode(%d) = 0x%02X, reference 0x%02X", s, got, want)
		}
		if got, want := ALawEncode(int16(s)), aLawEncodeRef(int16(s)); got != want {
			t.Fatalf("ALawEncode(%d) = 0x%02X, reference 0x%02X", s, got, want)
		}
	}
}

func BenchmarkMuLawEncode(b *testing.B) {
	var sink byte
	for i := 0; b.Loop(); i++ {
		sink ^= MuLawEncode(int16(i))
	}
	_ = sink
}

func BenchmarkMuLawDecode(b *testing.B) {
	var sink int16
	for i := 0; b.Loop(); i++ {
		sink ^= MuLawDecode(byte(i))
	}
	_ = sink
}

package audio

// G.711 (ITU-T, 1988) conversion by table lookup. The tables are built once from the classic
// reference algorithm (Sun Microsystems' g711.c, the basis of most implementations): mu-law
// encoding depends only on the top 14 bits of a 16-bit sample, A-law on the top 13.

var (
	muLawToLinear [256]int16
	aLawToLinear  [256]int16
	linearToMuLaw [1 << 14]byte
	linearToALaw  [1 << 13]byte
)

func init() {
	for i := range 256 {
		muLawToLinear[i] = muLawDecodeRef(byte(i))
		aLawToLinear[i] = aLawDecodeRef(byte(i))
	}
	for i := range linearToMuLaw {
		linearToMuLaw[i] = muLawEncodeRef(int16(uint16(i) << 2))
	}
	for i := range linearToALaw {
		linearToALaw[i] = aLawEncodeRef(int16(uint16(i) << 3))
	}
}

// MuLawDecode returns the 16-bit linear sample of a G.711 mu-law code.
func MuLawDecode(b byte) int16 { return muLawToLinear[b] }

// MuLawEncode returns the G.711 mu-law code of a 16-bit linear sample.
func MuLawEncode(s int16) byte { return linearToMuLaw[uint16(s)>>2] }

// ALawDecode returns the 16-bit linear sample of a G.711 A-law code.
func ALawDecode(b byte) int16 { return aLawToLinear[b] }

// ALawEncode returns the G.711 A-law code of a 16-bit linear sample.
func ALawEncode(s int16) byte { return linearToALaw[uint16(s)>>3] }

const (
	g711SignBit   = 0x80
	g711QuantMask = 0x0F
	g711SegShift  = 4
	g711SegMask   = 0x70
	muLawBias     = 0x84
	muLawClip     = 8159
)

var (
	muLawSegEnd = [8]int{0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF}
	aLawSegEnd  = [8]int{0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF}
)

func segment(v int, ends *[8]int) int {
	for i, e := range ends {
		if v <= e {
			return i
		}
	}
	return len(ends)
}

func muLawEncodeRef(s int16) byte {
	v := int(s) >> 2
	mask := byte(0xFF)
	if v < 0 {
		v, mask = -v, 0x7F
	}
	v = min(v, muLawClip) + muLawBias>>2
	seg := segment(v, &muLawSegEnd)
	if seg >= 8 {
		return 0x7F ^ mask
	}
	return byte(seg<<4|(v>>(seg+1))&0xF) ^ mask
}

func muLawDecodeRef(u byte) int16 {
	u = ^u
	t := (int(u&g711QuantMask) << 3) + muLawBias
	t <<= (u & g711SegMask) >> g711SegShift
	if u&g711SignBit != 0 {
		return int16(muLawBias - t)
	}
	return int16(t - muLawBias)
}

func aLawEncodeRef(s int16) byte {
	v := int(s) >> 3
	mask := byte(0xD5)
	if v < 0 {
		v, mask = -v-1, 0x55
	}
	seg := segment(v, &aLawSegEnd)
	if seg >= 8 {
		return 0x7F ^ mask
	}
	a := seg << 4
	if seg < 2 {
		a |= (v >> 1) & 0xF
	} else {
		a |= (v >> seg) & 0xF
	}
	return byte(a) ^ mask
}

func aLawDecodeRef(a byte) int16 {
	a ^= 0x55
	t := int(a&g711QuantMask) << 4
	switch seg := int(a&g711SegMask) >> g711SegShift; seg {
	case 0:
		t += 8
	case 1:
		t += 0x108
	default:
		t += 0x108
		t <<= seg - 1
	}
	if a&g711SignBit != 0 {
		return int16(t)
	}
	return int16(-t)
}

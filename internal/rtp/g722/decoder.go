package g722

// Decoder decodes a G.722 stream at 64 kbit/s. A Decoder keeps the adaptive state of one
// stream: use one per RTP source, and Reset it when the source changes. The zero value is
// not ready; use NewDecoder.
type Decoder struct {
	band [2]band
	x    [24]int32 // receive QMF delay line
}

// NewDecoder returns a decoder in the recommendation's initial state.
func NewDecoder() *Decoder {
	d := &Decoder{}
	d.Reset()
	return d
}

// Reset returns the decoder to its initial state.
func (d *Decoder) Reset() {
	*d = Decoder{}
	d.band[0].det = 32
	d.band[1].det = 8
}

// Decode appends the 16 kHz PCM of the codewords in p (two samples per octet) to dst and
// returns it. Every octet is a valid codeword, so Decode never fails.
func (d *Decoder) Decode(dst []int16, p []byte) []int16 {
	lo, hi := &d.band[0], &d.band[1]
	for _, code := range p {
		ilow := int32(code & 0x3f)
		ihigh := int32(code >> 6)

		// Low band: INVQBL and RECONS give the output; INVQAL (the 4-bit core) drives
		// the adaptation, as in the encoder.
		rlow := min(max(lo.s+(lo.det*qm6[ilow])>>15, -16384), 16383)
		ril := ilow >> 2
		dlow := (lo.det * qm4[ril]) >> 15
		lo.adapt(wl[rl42[ril]], 18432)
		lo.scale(8)
		lo.block4(dlow)

		// High band: INVQAH, RECONS, LOGSCH, SCALEH.
		dhigh := (hi.det * qm2[ihigh]) >> 15
		rhigh := min(max(hi.s+dhigh, -16384), 16383)
		hi.adapt(wh[rh2[ihigh]], 22528)
		hi.scale(10)
		hi.block4(dhigh)

		// Receive QMF: two output samples per pair of sub-band samples.
		copy(d.x[:22], d.x[2:])
		d.x[22] = rlow + rhigh
		d.x[23] = rlow - rhigh
		var xout1, xout2 int32
		for i := range 12 {
			xout2 += d.x[2*i] * qmf[i]
			xout1 += d.x[2*i+1] * qmf[11-i]
		}
		dst = append(dst, int16(saturate(xout1>>11)), int16(saturate(xout2>>11)))
	}
	return dst
}

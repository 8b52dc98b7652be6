package g722

// band is the adaptive state of one sub-band's ADPCM coder.
type band struct {
	s, sp, sz int32    // signal estimate, its pole and zero parts
	r         [3]int32 // reconstructed signal, newest first
	a, ap     [3]int32 // pole predictor coefficients (a[1], a[2]) and their update
	p         [3]int32 // partial reconstructed signal
	d         [7]int32 // quantised difference signal
	b, bp     [7]int32 // zero predictor coefficients and their update
	sg        [7]int32 // signs
	nb        int32    // log scale factor
	det       int32    // scale factor
}

func saturate(v int32) int32 {
	return min(max(v, -32768), 32767)
}

// scale computes the scale factor from the log scale factor (SCALEL with shift 8, SCALEH
// with shift 10).
func (b *band) scale(shift int32) {
	wd1 := (b.nb >> 6) & 31
	wd2 := shift - (b.nb >> 11)
	var wd3 int32
	if wd2 < 0 {
		wd3 = ilb[wd1] << -wd2
	} else {
		wd3 = ilb[wd1] >> wd2
	}
	b.det = wd3 << 2
}

// adapt updates the log scale factor by inc with the leakage factor 127/128, limited to
// [0, limit] (LOGSCL, LOGSCH).
func (b *band) adapt(inc, limit int32) {
	b.nb = min(max((b.nb*127>>7)+inc, 0), limit)
}

// block4 is the recommendation's block 4: reconstruction, pole and zero predictor adaptation
// and the signal estimate for the next sample, driven by the quantised difference dx.
func (b *band) block4(dx int32) {
	// RECONS, PARREC
	b.d[0] = dx
	b.r[0] = saturate(b.s + dx)
	b.p[0] = saturate(b.sz + dx)

	// UPPOL2
	for i := range 3 {
		b.sg[i] = b.p[i] >> 15
	}
	wd1 := saturate(b.a[1] << 2)
	wd2 := wd1
	if b.sg[0] == b.sg[1] {
		wd2 = -wd1
	}
	wd2 = min(wd2, 32767)
	wd3 := wd2 >> 7
	if b.sg[0] == b.sg[2] {
		wd3 += 128
	} else {
		wd3 -= 128
	}
	wd3 += (b.a[2] * 32512) >> 15
	b.ap[2] = min(max(wd3, -12288), 12288)

	// UPPOL1
	b.sg[0] = b.p[0] >> 15
	b.sg[1] = b.p[1] >> 15
	wd1 = -192
	if b.sg[0] == b.sg[1] {
		wd1 = 192
	}
	wd2 = (b.a[1] * 32640) >> 15
	b.ap[1] = saturate(wd1 + wd2)
	wd3 = saturate(15360 - b.ap[2])
	b.ap[1] = min(max(b.ap[1], -wd3), wd3)

	// UPZERO
	wd1 = 128
	if dx == 0 {
		wd1 = 0
	}
	b.sg[0] = dx >> 15
	for i := 1; i < 7; i++ {
		b.sg[i] = b.d[i] >> 15
		wd2 := -wd1
		if b.sg[i] == b.sg[0] {
			wd2 = wd1
		}
		wd3 := (b.b[i] * 32640) >> 15
		b.bp[i] = saturate(wd2 + wd3)
	}

	// DELAYZ, DELAYL, DELAYA
	for i := 6; i > 0; i-- {
		b.d[i] = b.d[i-1]
		b.b[i] = b.bp[i]
	}
	for i := 2; i > 0; i-- {
		b.r[i] = b.r[i-1]
		b.p[i] = b.p[i-1]
		b.a[i] = b.ap[i]
	}

	// FILTEP
	wd1 = saturate(b.r[1] + b.r[1])
	wd1 = (b.a[1] * wd1) >> 15
	wd2 = saturate(b.r[2] + b.r[2])
	wd2 = (b.a[2] * wd2) >> 15
	b.sp = saturate(wd1 + wd2)

	// FILTEZ
	var sz int32
	for i := 6; i > 0; i-- {
		wd1 := saturate(b.d[i] + b.d[i])
		sz += (b.b[i] * wd1) >> 15
	}
	b.sz = saturate(sz)

	// PREDIC
	b.s = saturate(b.sp + b.sz)
}

package g722

// encoder is a G.722 64 kbit/s encoder, the recommendation's structure mirrored: the transmit
// QMF, then per band SUBTRA, QUANTL/QUANTH and the same adaptation as the decoder. It lives in
// the tests only: callvault records, it never sends G.722.
type encoder struct {
	band [2]band
	x    [24]int32
}

var (
	// q6 holds the low-band quantiser's decision levels.
	q6 = [32]int32{
		0, 35, 72, 110, 150, 190, 233, 276,
		323, 370, 422, 473, 530, 587, 650, 714,
		786, 858, 940, 1023, 1121, 1219, 1339, 1458,
		1612, 1765, 1980, 2195, 2557, 2919, 0, 0,
	}
	iln = [32]int32{
		0, 63, 62, 31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19,
		18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 0,
	}
	ilp = [32]int32{
		0, 61, 60, 59, 58, 57, 56, 55, 54, 53, 52, 51, 50, 49, 48, 47,
		46, 45, 44, 43, 42, 41, 40, 39, 38, 37, 36, 35, 34, 33, 32, 0,
	}
	ihn = [3]int32{0, 1, 0}
	ihp = [3]int32{0, 3, 2}
)

func newEncoder() *encoder {
	e := &encoder{}
	e.band[0].det = 32
	e.band[1].det = 8
	return e
}

// encode appends the codewords of pcm (16 kHz, an even number of samples) to dst.
func (e *encoder) encode(dst []byte, pcm []int16) []byte {
	lo, hi := &e.band[0], &e.band[1]
	for j := 0; j+1 < len(pcm); j += 2 {
		copy(e.x[:22], e.x[2:])
		e.x[22], e.x[23] = int32(pcm[j]), int32(pcm[j+1])
		var sumeven, sumodd int32
		for i := range 12 {
			sumodd += e.x[2*i] * qmf[i]
			sumeven += e.x[2*i+1] * qmf[11-i]
		}
		xlow := (sumeven + sumodd) >> 14
		xhigh := (sumeven - sumodd) >> 14

		el := saturate(xlow - lo.s)
		wd := el
		if el < 0 {
			wd = -(el + 1)
		}
		i := 1
		for ; i < 30; i++ {
			if wd < (q6[i]*lo.det)>>12 {
				break
			}
		}
		ilow := ilp[i]
		if el < 0 {
			ilow = iln[i]
		}
		ril := ilow >> 2
		dlow := (lo.det * qm4[ril]) >> 15
		lo.adapt(wl[rl42[ril]], 18432)
		lo.scale(8)
		lo.block4(dlow)

		eh := saturate(xhigh - hi.s)
		wd = eh
		if eh < 0 {
			wd = -(eh + 1)
		}
		mih := 1
		if wd >= (564*hi.det)>>12 {
			mih = 2
		}
		ihigh := ihp[mih]
		if eh < 0 {
			ihigh = ihn[mih]
		}
		dhigh := (hi.det * qm2[ihigh]) >> 15
		hi.adapt(wh[rh2[ihigh]], 22528)
		hi.scale(10)
		hi.block4(dhigh)

		dst = append(dst, byte(ihigh<<6|ilow))
	}
	return dst
}

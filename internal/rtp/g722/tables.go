package g722

// Quantiser and adaptation tables of ITU-T G.722.
var (
	// wl is the low-band log scale factor increment, indexed through rl42.
	wl = [8]int32{-60, -30, 58, 172, 334, 538, 1198, 3042}
	// rl42 maps a 4-bit low-band code to its magnitude class.
	rl42 = [16]int32{0, 7, 6, 5, 4, 3, 2, 1, 7, 6, 5, 4, 3, 2, 1, 0}
	// ilb is the inverse log2 table of the scale factor (SCALEL/SCALEH).
	ilb = [32]int32{
		2048, 2093, 2139, 2186, 2233, 2282, 2332, 2383,
		2435, 2489, 2543, 2599, 2656, 2714, 2774, 2834,
		2896, 2960, 3025, 3091, 3158, 3228, 3298, 3371,
		3444, 3520, 3597, 3676, 3756, 3838, 3922, 4008,
	}
	// wh is the high-band log scale factor increment, indexed through rh2.
	wh = [3]int32{0, -214, 798}
	// rh2 maps a 2-bit high-band code to its magnitude class.
	rh2 = [4]int32{2, 1, 2, 1}
	// qm2 is the high-band inverse quantiser (2 bits).
	qm2 = [4]int32{-7408, -1616, 7408, 1616}
	// qm4 is the low-band inverse quantiser of the 4-bit core used by the predictor.
	qm4 = [16]int32{
		0, -20456, -12896, -8968,
		-6288, -4240, -2584, -1200,
		20456, 12896, 8968, 6288,
		4240, 2584, 1200, 0,
	}
	// qm6 is the low-band inverse quantiser of the full 6-bit code (64 kbit/s mode).
	qm6 = [64]int32{
		-136, -136, -136, -136,
		-24808, -21904, -19008, -16704,
		-14984, -13512, -12280, -11192,
		-10232, -9360, -8576, -7856,
		-7192, -6576, -6000, -5456,
		-4944, -4464, -4008, -3576,
		-3168, -2776, -2400, -2032,
		-1688, -1360, -1040, -728,
		24808, 21904, 19008, 16704,
		14984, 13512, 12280, 11192,
		10232, 9360, 8576, 7856,
		7192, 6576, 6000, 5456,
		4944, 4464, 4008, 3576,
		3168, 2776, 2400, 2032,
		1688, 1360, 1040, 728,
		432, 136, -432, -136,
	}
	// qmf holds the 24-tap QMF's coefficients; the filter is symmetric, so 12 suffice.
	qmf = [12]int32{3, -11, 12, 32, -210, 951, 3876, -805, 362, -156, 53, -11}
)

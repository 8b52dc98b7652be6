package audio

import "math"

// The spectral pre-check lets the analyser skip the Goertzel filters on blocks that cannot
// hold a tone: loud noise, hiss, high-pitched sounds. It needs only the energies of the
// windowed block and of its first and second differences, E0, E1 and E2. A sine of ω radians
// per sample has λ(ω) = 4 sin²(ω/2) times as much energy in its first difference and λ² times
// as much in its second, so E0, E1 and E2 are the 0th, 1st and 2nd moments of λ over the
// block's spectrum (exactly, the block being extended with zeros), and
//
//	Q = -E2 + (a+b)·E1 - a·b·E0 = ∫ -(λ-a)(λ-b) |V(ω)|² dω
//
// counts the energy between λ = a and λ = b (the DTMF band with the frequency tolerance and
// the window's main lobe) positively and the energy outside it negatively, by at most
// (4-a)(b-4) per unit (at half the sample rate, λ = 4). Every decision requires a block's
// tones to carry most of its energy (the purity rule), so a block whose other energy is at
// most dtmfPrecheckRest of the total has Q ≥ dtmfPrecheckRest·(4-a)(b-4)·E0; a block below
// that cannot take part in a decision. White noise has Q ≈ (-6 + 2(a+b) - ab)·E0, well below
// that line (about four blocks in five are skipped).
const (
	// dtmfPrecheckRest is the share of a block's energy outside its two tones that the
	// pre-check allows: more than the purity rule's 20%, since a decision judges the purity of
	// several blocks together.
	dtmfPrecheckRest = 0.22
	dtmfPrecheckLow  = 672.0  // Hz, 697 Hz less 3.5%
	dtmfPrecheckHigh = 1690.0 // Hz, 1633 Hz plus 3.5%
)

// precheck holds the pre-check's constants for one analysis rate.
type precheck struct {
	sum, prod, line float64 // a+b, a·b, dtmfPrecheckRest·(4-a)(b-4)
}

func newPrecheck(rate float64) precheck {
	lambda := func(f float64) float64 { return 4 * math.Pow(math.Sin(math.Pi*f/rate), 2) }
	// 10% either way covers the spread of the window's main lobe (about 1% at 8 kHz).
	a := 0.9 * lambda(dtmfPrecheckLow)
	b := min(4, 1.1*lambda(dtmfPrecheckHigh))
	return precheck{sum: a + b, prod: a * b, line: dtmfPrecheckRest * (4 - a) * (b - 4)}
}

// spectrumMayHold reports whether a windowed block of energy e, whose first and second
// differences have energies e1 and e2, may hold two DTMF tones carrying most of its energy.
func (a *dtmfAnalyser) spectrumMayHold(e, e1, e2 float64) bool {
	pc := &a.pre
	return -e2+pc.sum*e1-pc.prod*e >= pc.line*e
}

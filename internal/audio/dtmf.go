package audio

import (
	"github.com/callvault/callvault"
)

// DTMF detection follows the receiver rules of ITU-T Q.24 as most administrations apply them:
//
//   - frequency: each component within ±1.5% of its nominal frequency is accepted, beyond ±3.5%
//     rejected (the detector measures the frequency and draws its line at ±2.5%);
//   - duration: a tone of 40 ms or more is accepted, one shorter than 23 ms rejected; a pause of
//     40 ms or more separates two tones, an interruption of 10 ms or less does not;
//   - twist: the high-group tone may be up to 4 dB stronger than the low-group one (reverse
//     twist) and up to 8 dB weaker (normal twist); beyond 10 dB either way it is rejected
//     (the lines are drawn at +6 and -9 dB);
//   - level: each component from 0 down to -30 dBm0 is accepted, at -36 dBm0 or below rejected
//     (line at -33 dBm0; 0 dBm0 is a sine of peak 22,300 in 16-bit linear G.711 terms);
//   - signal to noise: accepted at 15 dB; the two tones must carry at least 80% of the energy
//     (about 6 dB), which also rejects speech and music whose other partials carry energy;
//   - second harmonics at least 10 dB below their fundamentals, so that voiced speech, whose
//     harmonics are strong, does not pass as a tone; and the high tone must not be the low
//     one's second harmonic (a ratio of 2 ± 0.015, which digits within ±1.5% never reach).
//
// The analysis runs at about 8 kHz: higher rates are first decimated by an integer factor. It
// works on non-overlapping blocks of about 8 ms (64 samples at 8 kHz), Hann-windowed, with one
// complex Goertzel filter per DTMF frequency and one per second harmonic. A decision covers four
// consecutive blocks (32 ms): the tone's frequency comes from the phase advance of its filter
// from block to block, its level from the magnitude corrected for that offset, and every block
// must hold the tone at a steady level, so that a tone under 23 ms (at most two whole blocks)
// can never fill a decision window while one of 40 ms (at least four whole blocks) always does.

// Tone is a DTMF tone found in a stream of samples.
type Tone struct {
	Digit byte  // one of 0123456789*#ABCD
	Start int64 // index of its first sample in the stream, at the stream's rate
	End   int64 // index one past its last sample; 0 while the tone is still sounding
}

// ToneEvent reports a tone's start (Ended false, End 0) or its end (Ended true).
type ToneEvent struct {
	Tone
	Ended bool
}

// DTMF keypad: rows are the low group, columns the high group.
var (
	dtmfRows   = [4]float64{697, 770, 852, 941}
	dtmfCols   = [4]float64{1209, 1336, 1477, 1633}
	dtmfKeypad = [4][4]byte{
		{'1', '2', '3', 'A'},
		{'4', '5', '6', 'B'},
		{'7', '8', '9', 'C'},
		{'*', '0', '#', 'D'},
	}
)

// Detection thresholds (see the rules above).
const (
	dtmfZeroDBm0     = 22300.0 // peak of a 0 dBm0 sine in 16-bit linear G.711 scale
	dtmfMinLevelDBm0 = -33.0
	// dtmfMaskLevelDBm0 is the Masker's level line. Q.24's -33 dBm0 is for a receiver that
	// must not act on a weak signal; a tone of -40 dBm0 left in a recording is still heard and
	// decoded (multimon-ng decodes it), so the masker silences tones down to this level. The
	// other rules, which do not depend on the level, keep speech and music out.
	dtmfMaskLevelDBm0 = -60.0
	dtmfMaxOffset     = 0.025 // relative frequency offset
	dtmfMaxReverse    = 6.0   // dB the high tone may exceed the low one
	dtmfMaxNormal     = 9.0   // dB the low tone may exceed the high one
	dtmfMinPurity     = 0.80  // share of the window's energy in the two tones
	dtmfMaxHarmonic   = -10.0 // dB of a second harmonic relative to its fundamental
	dtmfHarmonicRatio = 0.015 // a high tone within this of twice the low one is its harmonic
	dtmfSteadiness    = 0.70  // each block's tone power relative to the window's strongest block
	dtmfBlockMs       = 8     // block length
	dtmfWindowBlocks  = 4     // blocks per decision (32 ms)
	dtmfEndMisses     = 7     // failed decisions that end a tone (a 40 ms pause always gives 7)
)

// DTMFDetector finds DTMF tones in one channel of linear samples. It is a streaming detector:
// feed it samples in chunks of any size; its memory does not grow with the stream.
// It is not safe for concurrent use.
type DTMFDetector struct {
	rate int // of the input
	dec  *decimator
	a    dtmfAnalyser

	pos    int64 // input samples seen
	active bool
	tone   Tone
	last   int64 // end of the last window that held the active tone
	misses int
	events []ToneEvent
	buf    []int16
	flash  bool   // also run the masker's short decision (dtmf_flash.go)
	hints  []Span // spans, in input samples, that the short decision found in the last Write
}

// NewDTMFDetector returns a detector for a stream of the given sample rate (8 to 48 kHz).
func NewDTMFDetector(sampleRate int) (*DTMFDetector, error) {
	return newDTMFDetector(sampleRate, dtmfMinLevelDBm0)
}

// newDTMFDetector returns a detector that accepts tones down to minLevel dBm0 (each component).
func newDTMFDetector(sampleRate int, minLevel float64) (*DTMFDetector, error) {
	if err := checkRate(sampleRate); err != nil {
		return nil, err
	}
	q := sampleRate / 8000
	if q < 1 {
		return nil, callvault.Errorf(callvault.KindUnsupported, "DTMF detection needs at least 8 kHz, not %d Hz", sampleRate)
	}
	d := &DTMFDetector{rate: sampleRate}
	if q > 1 {
		d.dec = newDecimator(q)
	}
	d.a.init(float64(sampleRate)/float64(q), minLevel)
	return d, nil
}

// Write analyses samples, the next ones of the stream, and returns the tones that started or
// ended in them, in order. The returned slice is valid until the next call.
func (d *DTMFDetector) Write(samples []int16) []ToneEvent {
	d.events = d.events[:0]
	d.hints = d.hints[:0]
	in := samples
	if d.dec != nil {
		d.buf = d.dec.process(d.buf[:0], samples)
		in = d.buf
	}
	for len(in) > 0 {
		n, done := d.a.feed(in)
		in = in[n:]
		if done {
			d.decide()
			if d.flash {
				if s, e, ok := d.a.flash(); ok {
					d.hints = append(d.hints, Span{d.inputPos(s), d.inputPos(e)})
				}
			}
		}
	}
	d.pos += int64(len(samples))
	return d.events
}

// Close ends the stream: a tone still sounding ends where it was last heard.
func (d *DTMFDetector) Close() []ToneEvent {
	d.events = d.events[:0]
	if d.active {
		d.end()
	}
	return d.events
}

// Active returns the tone that is sounding, if any (its End is 0).
func (d *DTMFDetector) Active() (Tone, bool) { return d.tone, d.active }

// decide runs after each block: it judges the window of the last blocks and moves the state.
func (d *DTMFDetector) decide() {
	digit, ok := d.a.judge()
	if !ok {
		if d.active {
			d.misses++
			if d.misses >= dtmfEndMisses {
				d.end()
			}
		}
		return
	}
	start, end := d.a.windowSpan()
	start, end = d.inputPos(start), d.inputPos(end)
	if d.active && d.tone.Digit == digit {
		d.last, d.misses = end, 0
		return
	}
	if d.active {
		// One digit straight after another: the windows overlap, so the new tone starts
		// where the last window of the old one ended, keeping the spans in order.
		prev := d.last
		d.end()
		start = max(start, prev)
	}
	d.active, d.misses, d.last = true, 0, end
	d.tone = Tone{Digit: digit, Start: start}
	d.events = append(d.events, ToneEvent{Tone: d.tone})
}

func (d *DTMFDetector) end() {
	d.tone.End = max(d.last, d.tone.Start+1)
	d.events = append(d.events, ToneEvent{Tone: d.tone, Ended: true})
	d.active, d.tone = false, Tone{}
}

// inputPos maps a sample index of the analysis stream to the input stream.
func (d *DTMFDetector) inputPos(i int64) int64 {
	if d.dec == nil {
		return i
	}
	return max(0, i*int64(d.dec.q)-int64(d.dec.delay()))
}

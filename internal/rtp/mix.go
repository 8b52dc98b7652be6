package rtp

import "math"

// Where two sources meet on a channel (several streams sent to one side of the call, a mixed
// stream on both channels beside a one-sided one) their audio is summed, never overwritten:
// each frame of the ring starts as silence and every source adds itself to it. A sum beyond
// the 16-bit range saturates rather than wrapping round (which would be a loud click). A channel
// with a single source therefore holds exactly what that source sent. Saturation applies at
// each addition (the ring holds 16-bit frames, to keep memory per call small), so where three
// or more sources are loud enough for a partial sum to clip, the result can depend on the
// order in which their packets arrived; speech at sane levels never gets there.

// mixSample returns a+b saturated to the int16 range.
func mixSample(a, b int16) int16 {
	s := int32(a) + int32(b)
	switch {
	case s > math.MaxInt16:
		return math.MaxInt16
	case s < math.MinInt16:
		return math.MinInt16
	}
	return int16(s)
}

// mixInto adds src to the ring channel ring from timeline position pos on (positions wrap at
// mask).
func mixInto(ring []int16, mask, pos int64, src []int16) {
	for i, v := range src {
		idx := (pos + int64(i)) & mask
		ring[idx] = mixSample(ring[idx], v)
	}
}

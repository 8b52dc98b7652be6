package rtp

// A stream is anchored to the wall clock by the arrival of its first packet (and again after a
// pause or a re-anchor). If that packet was delayed (by the network, or by the scheduler under
// load) the whole stream would sit late on the timeline, for good, and the two directions of
// the call would be out of step by that delay. So the anchor follows the earliest arrival: a
// packet that arrives before the time its timestamp gives shows the anchor was late by the
// difference, and the run's audio is moved earlier by it. This is done only while none of the
// run's audio has been written (the jitter delay after the anchor), and only for a stream that
// is alone on its channels and has one source; later drift is the business of the drift limit.

// canAdvance reports whether src's current run can move d frames earlier. The caller holds
// r.mu.
func (s *Stream) canAdvance(src *source, d int64) bool {
	r := s.r
	if len(s.srcs) != 1 || src.runStart-d < r.flushed || src.runEnd-src.runStart+d > r.mask+1 {
		return false
	}
	for _, o := range r.streams {
		if o != s && (o.ch == s.ch || o.ch == Both || s.ch == Both) {
			return false
		}
	}
	return true
}

// advance moves src's current run d frames earlier on the timeline. The caller holds r.mu and
// has checked canAdvance (so src is the stream's only source).
func (s *Stream) advance(src *source, d int64) {
	r := s.r
	var chans [][]int16
	switch s.ch {
	case Left:
		chans = [][]int16{r.ring[0]}
	case Right:
		chans = [][]int16{r.ring[1]}
	default:
		chans = [][]int16{r.ring[0], r.ring[1]}
	}
	for _, ring := range chans {
		for p := src.runStart; p < src.runEnd; p++ {
			ring[(p-d)&r.mask] = ring[p&r.mask]
		}
		for p := max(src.runStart, src.runEnd-d); p < src.runEnd; p++ {
			ring[p&r.mask] = 0
		}
	}
	src.basePos -= d
	src.runStart -= d
	src.runEnd -= d
	s.end = max(src.prevEnd, src.runEnd)
	// The recording's end may have been this run's end.
	r.maxPos = r.floor
	for _, o := range r.streams {
		r.maxPos = max(r.maxPos, o.end)
	}
}

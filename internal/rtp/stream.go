package rtp

import (
	"net/netip"
	"sync/atomic"
	"time"

	pionrtp "github.com/pion/rtp"

	"github.com/callvault/callvault/internal/audio"
	"github.com/callvault/callvault/internal/rtp/g722"
)

// Stats counts what happened to a stream's packets.
type Stats struct {
	Packets  int64 // RTP packets received (any payload type)
	Lost     int64 // sequence numbers never received (final once the stream ends)
	Late     int64 // audio packets that arrived after their audio was written (or too late to place)
	Dropped  int64 // audio packets (partly) discarded because the writer fell behind: the ring was full
	Foreign  int64 // packets from a source other than the stream's (see ExpectSource), discarded
	Paused   int64 // packets discarded while the recording was paused
	Events   int64 // RFC 4733 events (which digit is never kept here; see events.go)
	Comfort  int64 // comfort-noise packets
	Unknown  int64 // packets of payload types not negotiated, or malformed
	SSRCs    int64 // distinct SSRC changes seen (re-anchors included)
	Reanchor int64 // times the stream was re-anchored to the wall clock
	// Duplicate counts packets whose sequence number was already received (within the last
	// 64); they do not count as received, so that duplicates cannot hide losses.
	Duplicate int64
	// SRTP packets dropped before the stream logic (see SetSRTP): failing authentication, or
	// replaying a packet already taken. Neither counts in Packets.
	SRTPAuthFailed int64
	SRTPReplayed   int64
}

// Stream is one m-line of media feeding a Recorder: one direction of the call, or a mix. Write
// may be called from one goroutine at a time (the stream's socket reader).
//
// A stream may carry several RTP sources (SSRCs): a sender that changed its SSRC, or several
// senders multiplexed on one m-line (conference legs, a user's devices). Each source is placed
// on the timeline by its own anchor, sequence numbers and decoder (see source), and where their
// audio meets it is mixed, never overwritten.
type Stream struct {
	r        *Recorder
	ch       Channel
	payloads atomic.Pointer[PayloadMap]
	expect   atomic.Pointer[[]netip.Addr] // the addresses media may come from; see ExpectSource
	srtp     atomic.Pointer[srtpKeying]   // the sender's SRTP keys; nil for plain RTP (see SetSRTP)

	// Guarded by r.mu.
	srcs        []*source // at most maxSources; the least recently heard one gives way
	last        *source   // the source of the newest audio packet
	end         int64     // end of all the stream's audio
	lostGone    int64     // losses of sources that gave way to new ones
	lostCounted int64     // losses already added to the metrics
	lastEvent   uint32
	stats       Stats
	pcm         []int16
	wide        []int16 // G.722 output at 16 kHz, before decimation to an 8 kHz recording
	pkt         pionrtp.Packet
}

// maxSources bounds the RTP sources a stream tracks at once.
const maxSources = 8

// source is one RTP source (SSRC) of a stream. Guarded by r.mu.
type source struct {
	ssrc       uint32
	anchored   bool
	baseExt    int64 // extended timestamp at the anchor
	basePos    int64 // timeline position at the anchor
	runStart   int64 // where the audio of the current run (since the anchor) starts
	runEnd     int64 // where it ends
	prevEnd    int64 // end of the stream's audio when this run was anchored
	extTS      int64 // extended timestamp of the newest packet
	lastTS     uint32
	seqInit    bool
	maxSeq     int64
	baseSeq    int64
	lastSeq    uint16
	seenSeq    uint64 // bit i: sequence number lastSeq-i was received
	received   int64
	lostBefore int64         // losses of earlier runs (before a re-anchor)
	heard      int64         // timeline position of its newest audio packet
	g722       *g722.Decoder // created at the first G.722 packet: each source adapts on its own
}

// AddStream adds a stream whose audio goes to ch, decoding the payload types in pm.
func (r *Recorder) AddStream(ch Channel, pm PayloadMap) *Stream {
	s := &Stream{r: r, ch: ch}
	s.SetPayloads(pm)
	r.mu.Lock()
	r.streams = append(r.streams, s)
	r.mu.Unlock()
	return s
}

// SetPayloads replaces the payload map (after a re-INVITE).
func (s *Stream) SetPayloads(pm PayloadMap) { s.payloads.Store(&pm) }

// Stats returns the stream's counters.
func (s *Stream) Stats() Stats {
	s.r.mu.Lock()
	defer s.r.mu.Unlock()
	st := s.stats
	st.Lost = s.totalLost()
	return st
}

// totalLost returns the losses of every source, past and present. The caller holds r.mu.
func (s *Stream) totalLost() int64 {
	n := s.lostGone
	for _, src := range s.srcs {
		n += src.lostBefore + src.lost()
	}
	return n
}

func (src *source) lost() int64 {
	if !src.seqInit {
		return 0
	}
	return max(0, src.maxSeq-src.baseSeq+1-src.received)
}

// finish counts the stream's losses into the metrics. The caller holds r.mu.
func (s *Stream) finish() {
	for _, src := range s.srcs {
		src.lostBefore += src.lost()
		src.seqInit = false
		src.received = 0
	}
	total := s.totalLost()
	inc(s.r.metrics.Lost, float64(total-s.lostCounted))
	s.lostCounted = total
}

// unanchor makes every source anchor again at its next packet (after a pause). The caller
// holds r.mu.
func (s *Stream) unanchor() {
	for _, src := range s.srcs {
		src.anchored = false
	}
}

// find returns the source with the given SSRC, or nil. The caller holds r.mu.
func (s *Stream) find(ssrc uint32) *source {
	for _, src := range s.srcs {
		if src.ssrc == ssrc {
			return src
		}
	}
	return nil
}

// add returns a new source for ssrc, in place of the least recently heard one if the stream
// has maxSources already. The caller holds r.mu.
func (s *Stream) add(ssrc uint32) *source {
	src := &source{ssrc: ssrc}
	if len(s.srcs) < maxSources {
		s.srcs = append(s.srcs, src)
		return src
	}
	old := 0
	for i, o := range s.srcs {
		if o.heard < s.srcs[old].heard {
			old = i
		}
	}
	s.lostGone += s.srcs[old].lostBefore + s.srcs[old].lost()
	s.srcs[old] = src
	return src
}

// Write handles one RTP packet (the raw UDP payload) that arrived at arrival.
func (s *Stream) Write(b []byte, arrival time.Time) {
	r := s.r
	pm := s.payloads.Load()
	r.mu.Lock()
	defer r.mu.Unlock()
	s.stats.Packets++
	inc(r.metrics.Packets, 1)
	if err := s.pkt.Unmarshal(b); err != nil || s.pkt.Version != 2 {
		s.stats.Unknown++
		return
	}
	h := &s.pkt.Header
	if r.stopped {
		return // the recording was stopped (an unrecorded line joined): nothing more is kept
	}
	enc := pm[h.PayloadType&0x7f]
	if !enc.Audio() {
		switch enc {
		case EncodingComfortNoise:
			s.stats.Comfort++ // silence is what the timeline holds anyway
		case EncodingTelephoneEvent:
			if src := s.find(h.SSRC); src == nil || !src.anchored || h.Timestamp != s.lastEvent {
				s.lastEvent = h.Timestamp
				s.stats.Events++
			}
			s.signal(h, s.pkt.Payload, arrival)
		default:
			s.stats.Unknown++
		}
		// Events and comfort noise take sequence numbers from the same space as the audio
		// they replace (RFC 4733, RFC 3389): they are not lost packets.
		if src := s.find(h.SSRC); src != nil && src.anchored && !r.paused {
			src.countSeq(&s.stats, h.SequenceNumber)
		}
		return
	}
	if r.paused {
		s.stats.Paused++
		return
	}
	now := r.wallPos(arrival)
	src := s.find(h.SSRC)
	if src == nil {
		src = s.add(h.SSRC)
	}
	if s.last != nil && s.last != src {
		s.stats.SSRCs++
	}
	s.last = src
	src.heard = now
	if !src.anchored {
		s.anchor(src, h, now)
	}
	ext := src.extTS + int64(int32(h.Timestamp-src.lastTS))
	// A packet older than the newest one, by timestamp and by sequence number, is a late
	// arrival: it goes where its timestamp puts it, or nowhere, and never moves the anchor
	// (which would misplace the audio that follows). A timestamp that goes back while the
	// sequence number goes on is the sender's clock jumping: the drift check below handles it.
	old := ext < src.extTS && src.seqInit && int16(h.SequenceNumber-src.lastSeq) < 0
	if !old {
		src.extTS, src.lastTS = ext, h.Timestamp
	}
	pcm := s.decode(src, enc, s.pkt.Payload)
	if len(pcm) == 0 {
		return
	}
	k := int64(r.rate / 8000) // every codec here has an 8 kHz RTP clock (G.722 included)
	pos := src.basePos + (ext-src.baseExt)*k
	switch d := pos - now; {
	case old:
	case d > r.drift || d < -r.drift-int64(len(pcm)):
		// The sender's clock left the wall clock (hold, restart, burst): start over here.
		s.stats.Reanchor++
		s.anchor(src, h, now)
		pos = now
	case d > 0 && s.canAdvance(src, d):
		// The packet arrived earlier than the anchor predicts: the anchoring packet was
		// delayed (network or scheduling). Move the run to where it belongs.
		s.advance(src, d)
		pos -= d
	}
	if !src.countSeq(&s.stats, h.SequenceNumber) {
		return // a duplicate: its audio is in already, and mixing it again would double it
	}
	switch r.put(s.ch, pos, pcm) {
	case late:
		s.stats.Late++
		inc(r.metrics.Late, 1)
		return
	case dropped:
		s.stats.Dropped++
		inc(r.metrics.Dropped, 1)
	}
	src.runEnd = max(src.runEnd, pos+int64(len(pcm)))
	s.end = max(s.end, src.runEnd)
}

// anchor ties the packet's timestamp to timeline position pos, for the packet's source. The
// caller holds r.mu.
func (s *Stream) anchor(src *source, h *pionrtp.Header, pos int64) {
	src.anchored = true
	src.lastTS = h.Timestamp
	src.extTS = int64(h.Timestamp)
	src.baseExt = src.extTS
	src.basePos = max(pos, 0)
	src.prevEnd = s.end
	src.runStart, src.runEnd = src.basePos, src.basePos
	// Loss is counted per run of sequence numbers: a new anchor starts a new run.
	if src.seqInit {
		src.lostBefore += src.lost()
		src.seqInit = false
		src.received = 0
	}
}

// countSeq updates the loss statistics with a sequence number (RFC 3550 A.1, simplified). It
// returns false for a duplicate (a sequence number received already, within the last 64),
// counted in st.
func (s *source) countSeq(st *Stats, seq uint16) bool {
	if !s.seqInit {
		s.seqInit = true
		s.baseSeq, s.maxSeq, s.lastSeq, s.seenSeq = int64(seq), int64(seq), seq, 0
	}
	switch d := int16(seq - s.lastSeq); {
	case d > 0:
		s.maxSeq += int64(d)
		s.lastSeq = seq
		if d < 64 {
			s.seenSeq <<= uint(d)
		} else {
			s.seenSeq = 0
		}
		s.seenSeq |= 1
	case -d < 64:
		bit := uint64(1) << uint(-d)
		if s.seenSeq&bit != 0 {
			st.Duplicate++
			return false
		}
		s.seenSeq |= bit
	}
	s.received++
	return true
}

// decode returns the payload as 16-bit PCM at the recorder's rate, in a scratch buffer, with
// src's decoder state.
func (s *Stream) decode(src *source, enc Encoding, p []byte) []int16 {
	rate := s.r.rate
	switch enc {
	case EncodingPCMU, EncodingPCMA:
		dec := audio.MuLawDecode
		if enc == EncodingPCMA {
			dec = audio.ALawDecode
		}
		if rate == 8000 {
			s.pcm = grow(s.pcm, len(p))
			for i, c := range p {
				s.pcm[i] = dec(c)
			}
			return s.pcm
		}
		s.pcm = grow(s.pcm, 2*len(p)) // 16 kHz: repeat each sample
		for i, c := range p {
			v := dec(c)
			s.pcm[2*i], s.pcm[2*i+1] = v, v
		}
		return s.pcm
	case EncodingG722:
		if src.g722 == nil {
			src.g722 = g722.NewDecoder()
		}
		if rate == 16000 {
			s.pcm = src.g722.Decode(s.pcm[:0], p)
			return s.pcm
		}
		// An 8 kHz recording (the call was set up with G.711 and switched codecs): average
		// each pair of samples, a crude low-pass before dropping every other one.
		s.wide = src.g722.Decode(s.wide[:0], p)
		s.pcm = grow(s.pcm, len(s.wide)/2)
		for i := range s.pcm {
			s.pcm[i] = int16((int32(s.wide[2*i]) + int32(s.wide[2*i+1])) >> 1)
		}
		return s.pcm
	}
	return nil
}

func grow(b []int16, n int) []int16 {
	if cap(b) < n {
		return make([]int16, n)
	}
	return b[:n]
}

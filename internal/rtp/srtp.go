package rtp

import (
	"bytes"
	"slices"

	pionrtp "github.com/pion/rtp"
	"github.com/pion/srtp/v3"
	"github.com/pion/transport/v5/replaydetector"

	"github.com/callvault/callvault"
)

// SRTP (RFC 3711) sits in front of the stream: Serve authenticates and decrypts each packet
// with the sender's keys before Write sees it, so that everything after (sources, sequence
// numbers, loss, reordering, decoding) works on plain RTP exactly as for an unprotected
// stream. A packet that fails authentication (a wrong key, a forgery, garbage) or replays one
// already taken is counted and dropped: it never reaches the recording. SRTCP is not read (the
// recorder reads no RTCP); SRTCP multiplexed on the RTP port (RFC 5761) is skipped unread.

// SRTPKey is one master key of the sender (RFC 3711 section 8): the master key and salt, and
// the MKI that tells it apart in each packet when the sender has several (nil when it has one).
type SRTPKey struct {
	Key, Salt, MKI []byte
}

// SRTP is how a sender protects a stream: the protection profile (cipher and tag length) and
// its master keys. Several keys must all carry an MKI.
type SRTP struct {
	Profile srtp.ProtectionProfile
	Keys    []SRTPKey
}

// equal reports whether two keyings are the same (a re-INVITE repeating the offer's keys must
// keep the contexts, whose rollover counters and replay windows carry on).
func (a *SRTP) equal(b *SRTP) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Profile == b.Profile && slices.EqualFunc(a.Keys, b.Keys, func(x, y SRTPKey) bool {
		return bytes.Equal(x.Key, y.Key) && bytes.Equal(x.Salt, y.Salt) && bytes.Equal(x.MKI, y.MKI)
	})
}

// replayWindow is how many packets back the replay check remembers (RFC 3711 section 3.3.2
// asks for at least 64). Packets later than this are dropped as replays: their audio would be
// too late for the recording anyway.
const replayWindow = 512

// srtpKeying is a keying and its decryption context. SetSRTP creates it; from then on only
// the stream's reader (Serve) uses the context, which keeps per-SSRC rollover counters and
// replay windows and is not safe for concurrent use.
type srtpKeying struct {
	params   SRTP
	ctx      *srtp.Context
	replayed bool // set by the replay check of the packet being read
	header   pionrtp.Header
}

// replayFlag is the context's replay check; it marks the keying when it refuses a packet so
// that replays are counted apart from authentication failures.
type replayFlag struct {
	replaydetector.ReplayDetector
	k *srtpKeying
}

func (d replayFlag) Check(seq uint64) (func() bool, bool) {
	accept, ok := d.ReplayDetector.Check(seq)
	if !ok {
		d.k.replayed = true
	}
	return accept, ok
}

// newKeying returns a keying for p, or KindInvalid if a key does not fit the profile.
func newKeying(p *SRTP) (*srtpKeying, error) {
	if len(p.Keys) == 0 {
		return nil, callvault.Errorf(callvault.KindInvalid, "SRTP keying without a master key")
	}
	if len(p.Keys) > 1 && slices.ContainsFunc(p.Keys, func(k SRTPKey) bool { return len(k.MKI) == 0 }) {
		return nil, callvault.Errorf(callvault.KindInvalid, "SRTP keying with several master keys, not all with an MKI")
	}
	k := &srtpKeying{params: *p}
	opts := []srtp.ContextOption{srtp.SRTPReplayDetectorFactory(func() replaydetector.ReplayDetector {
		return replayFlag{replaydetector.New(replayWindow, 1<<48-1), k}
	})}
	first := p.Keys[0]
	if len(first.MKI) > 0 {
		opts = append(opts, srtp.MasterKeyIndicator(first.MKI))
	}
	ctx, err := srtp.CreateContext(first.Key, first.Salt, p.Profile, opts...)
	if err != nil {
		// (pion's message names lengths and the profile, never key material)
		return nil, callvault.WrapError(callvault.KindInvalid, err, "SRTP master key does not fit the profile")
	}
	for _, mk := range p.Keys[1:] {
		if err := ctx.AddCipherForMKI(mk.MKI, mk.Key, mk.Salt); err != nil {
			return nil, callvault.WrapError(callvault.KindInvalid, err, "SRTP master key does not fit the profile")
		}
	}
	k.ctx = ctx
	return k, nil
}

// SetSRTP makes the stream's reader authenticate and decrypt packets with p (nil: plain RTP).
// The same keys again (a re-INVITE repeating them) change nothing. New keys take over at once;
// until a packet authenticates with them, packets that fail are tried with the previous keys
// too, so that packets in flight during a re-key are not lost. It returns KindInvalid, and
// changes nothing, when a key does not fit the profile.
func (s *Stream) SetSRTP(p *SRTP) error {
	cur := s.srtp.Load()
	if p == nil {
		if cur != nil {
			s.srtp.Store(nil)
		}
		return nil
	}
	if cur != nil && cur.params.equal(p) {
		return nil
	}
	k, err := newKeying(p)
	if err != nil {
		return err
	}
	s.srtp.Store(k)
	return nil
}

// srtpReader is the SRTP state of the stream's reader (see Serve).
type srtpReader struct {
	s         *Stream
	cur, prev *srtpKeying
	buf       []byte
}

// read returns the plain RTP packet of an SRTP packet b under keying k, or false if the packet
// must be dropped (counted as an authentication failure or a replay; RTCP is skipped
// uncounted). The result is valid until the next call.
func (r *srtpReader) read(k *srtpKeying, b []byte) ([]byte, bool) {
	if k != r.cur {
		r.prev, r.cur = r.cur, k
	}
	if len(b) >= 2 && b[1] >= 192 && b[1] <= 223 {
		return nil, false // RTCP multiplexed on the RTP port (RFC 5761 section 4)
	}
	plain, err := r.decrypt(r.cur, b)
	if err == nil {
		r.prev = nil // the new keys work: packets under the old ones are over
		return plain, true
	}
	replay := r.cur.replayed
	if !replay && r.prev != nil {
		if plain, err = r.decrypt(r.prev, b); err == nil {
			return plain, true
		}
		replay = r.prev.replayed
	}
	r.s.srtpDropped(replay)
	return nil, false
}

func (r *srtpReader) decrypt(k *srtpKeying, b []byte) ([]byte, error) {
	k.replayed = false
	out, err := k.ctx.DecryptRTP(r.buf[:0], b, &k.header)
	if err == nil {
		r.buf = out[:0]
	}
	return out, err
}

// srtpDropped counts a packet dropped by the SRTP check.
func (s *Stream) srtpDropped(replay bool) {
	s.r.mu.Lock()
	if replay {
		s.stats.SRTPReplayed++
		inc(s.r.metrics.SRTPReplayed, 1)
	} else {
		s.stats.SRTPAuthFailed++
		inc(s.r.metrics.SRTPAuthFailed, 1)
	}
	s.r.mu.Unlock()
}

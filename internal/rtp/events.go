package rtp

import (
	"time"

	pionrtp "github.com/pion/rtp"

	"github.com/callvault/callvault"
)

// Signalled digits. An RFC 4733 telephone-event is a key pressed on a phone, sent beside the
// audio instead of (or as well as) its tone. The recorder places each event on the recording's
// timeline, by the same anchor as the audio of its RTP source, and hands it to whoever masks
// keyed digits (Recorder.Digits, for the archive's masker), so that the audio it covers is
// silenced before it is stored. Which digit was keyed is held only until Digits returns it:
// never in Stats, metrics, logs or attributes.
//
// Timing: the first packet of an event arrives as the key goes down, and its audio leaves the
// ring a jitter delay (200 ms) later; the masker then holds it for its look-ahead (100 ms).
// An event is taken under the recorder's lock before the frames it covers are copied out for
// the writer, and the writer asks for the digits before it masks those frames, so an event
// that arrives in time is always applied (the masker counts any that came too late). While an
// event lasts, its end is taken as the latest update's plus eventHold, so that an update lost
// on the way (updates come every 20 to 50 ms) does not let the rest of the tone through; the
// final packet (E bit) gives its true end. Events are placed by the timestamps of their
// source like its audio, so a delayed event packet is still placed where its audio was.

// eventHold extends an event that has not ended beyond what its latest update says.
const eventHold = 100 * time.Millisecond

// maxPendingDigits bounds the digits waiting for Digits: a recorder whose writer never asks
// (masking off) keeps only the newest.
const maxPendingDigits = 256

// eventDigits names the DTMF events of RFC 4733 section 3.2 (0-15); the others are not keys.
const eventDigits = "0123456789*#ABCD"

// telephoneEvent is the payload of an RFC 4733 event packet (section 2.3).
type telephoneEvent struct {
	digit    byte
	end      bool
	duration int64 // in RTP timestamp units (8 kHz)
}

// parseTelephoneEvent reads an event payload; ok is false for a short payload or an event
// that is not a DTMF key.
func parseTelephoneEvent(p []byte) (ev telephoneEvent, ok bool) {
	if len(p) < 4 || int(p[0]) >= len(eventDigits) {
		return ev, false
	}
	return telephoneEvent{
		digit:    eventDigits[p[0]],
		end:      p[1]&0x80 != 0,
		duration: int64(p[2])<<8 | int64(p[3]),
	}, true
}

// signal notes an event packet of the stream that arrived at arrival. The caller holds r.mu.
func (s *Stream) signal(h *pionrtp.Header, payload []byte, arrival time.Time) {
	r := s.r
	ev, ok := parseTelephoneEvent(payload)
	if !ok || r.paused || r.stopped {
		return
	}
	k := int64(r.rate / 8000) // the event's clock is the audio's: 8 kHz for every codec here
	now := r.wallPos(arrival)
	dur := ev.duration * k
	start := now - dur // no audio of the source yet: place it by its arrival
	if src := s.find(h.SSRC); src != nil && src.anchored {
		ext := src.extTS + int64(int32(h.Timestamp-src.lastTS))
		// Its timestamp places it, unless the sender's clock has left the wall clock (then
		// the audio is re-anchored too); a delayed packet is placed where its audio was.
		if pos := src.basePos + (ext-src.baseExt)*k; pos+dur >= now-4*r.drift && pos <= now+r.drift {
			start = pos
		}
	}
	end := start + max(dur, 1)
	if !ev.end {
		end += frames(eventHold, r.rate)
	}
	d := callvault.SignalledDigit{Digit: ev.digit, Start: max(start, 0), End: end}
	if n := len(r.digits); n > 0 && r.digits[n-1].Digit == d.Digit && r.digits[n-1].Start == d.Start {
		r.digits[n-1].End = max(r.digits[n-1].End, d.End) // an update of the event not yet taken
		return
	}
	if len(r.digits) >= maxPendingDigits {
		r.digits = r.digits[:copy(r.digits, r.digits[1:])]
	}
	r.digits = append(r.digits, d)
}

// Digits returns the digits signalled (RFC 4733 events) since its last call, with their spans
// in frames of the recording, and forgets them. An event still going on is returned again as
// its updates arrive, with the same start and a later end. It is meant for the archive's
// masker (callvault.IngestRequest.Digits), called from the goroutine reading the recording.
func (r *Recorder) Digits() []callvault.SignalledDigit {
	r.mu.Lock()
	defer r.mu.Unlock()
	d := r.digits
	r.digits = nil
	return d
}

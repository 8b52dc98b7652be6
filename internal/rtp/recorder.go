package rtp

import (
	"encoding/binary"
	"io"
	"sync"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/audio"
)

// Channel is where a stream's audio goes in the stereo recording.
type Channel int

// The channels of the recording.
const (
	Left  Channel = iota // the caller
	Right                // the other party
	Both                 // a mixed stream carrying both directions
)

// Defaults of RecorderConfig.
const (
	DefaultJitterDelay = 200 * time.Millisecond
	// driftLimit is how far a stream's timestamps may run from the wall clock before it is
	// re-anchored; larger than any sane jitter, smaller than the ring.
	driftLimit = 500 * time.Millisecond
	// ringSeconds bounds the audio held per call (both channels) before it is written.
	ringSeconds = 2
	// ringSlackMillis is what the ring holds at first beyond the jitter delay: the flush
	// interval, a packet and some scheduling delay (the first ring is the jitter delay plus
	// this, rounded up to a power of two: 0.5 s at 200 ms). It doubles, up to ringSeconds, only
	// when audio arrives beyond it (a writer that fell behind, a sender running ahead of the
	// clock), so that a call costs a quarter of the full ring unless it needs more.
	ringSlackMillis = 250
	// flushFrames is the most audio handed to the writer in one Write.
	flushFrames = 1024
	// shrinkAfter is how many flushes in a row (about 3 s) must find little audio waiting
	// before a ring that grew goes back to its first size.
	shrinkAfter = 30
)

// RecorderConfig configures a Recorder.
type RecorderConfig struct {
	SampleRate  int           // 8000 or 16000
	JitterDelay time.Duration // how long audio waits for late packets before it is written
	Metrics     *Metrics
}

// Recorder mixes up to two directions of a call into a stereo 16-bit PCM WAV stream written to
// w (which may block: the archive encrypts and stores as it reads). Streams deliver packets from
// their own goroutines; one goroutine calls Flush periodically and Close at the end.
type Recorder struct {
	w       io.Writer
	rate    int
	jitter  int64 // frames
	drift   int64 // frames
	metrics *Metrics

	mu      sync.Mutex
	ring    [2][]int16
	mask    int64
	maxRing int64 // the size the ring may grow to (a power of two)
	minRing int64 // its first size
	calm    int   // flushes in a row that found at most half the first size waiting
	started bool
	origin  time.Time
	// The ring holds the timeline from flushed on. Frames before flushed have been taken for
	// the writer (emitted of them already written) or are silence still owed to it: after a
	// gap in the media longer than the ring, the silence is counted, never buffered.
	flushed  int64
	emitted  int64 // frames handed to the writer
	maxPos   int64 // end of the furthest audio received
	floor    int64 // the recording lasts at least this long (the end of the last pause)
	paused   bool
	pausedAt int64 // wall position where the current pause began
	stopped  bool  // Stop was called: nothing after stopPos is kept
	stopPos  int64
	streams  []*Stream
	digits   []callvault.SignalledDigit // signalled since the last Digits call (events.go)

	// Owned by the flushing goroutine.
	header  bool
	out     []byte
	written int64 // bytes
	err     error
}

// NewRecorder returns a recorder writing to w. Nothing is written before the first Flush.
func NewRecorder(w io.Writer, cfg RecorderConfig) (*Recorder, error) {
	if cfg.SampleRate != 8000 && cfg.SampleRate != 16000 {
		return nil, callvault.Errorf(callvault.KindInvalid, "recorder sample rate %d Hz; use 8000 or 16000", cfg.SampleRate)
	}
	if cfg.JitterDelay <= 0 {
		cfg.JitterDelay = DefaultJitterDelay
	}
	r := &Recorder{
		w: w, rate: cfg.SampleRate, metrics: cfg.Metrics,
		jitter:  frames(cfg.JitterDelay, cfg.SampleRate),
		drift:   frames(driftLimit, cfg.SampleRate),
		maxRing: pow2(int64(cfg.SampleRate * ringSeconds)),
	}
	if r.metrics == nil {
		r.metrics = &Metrics{}
	}
	size := min(pow2(int64(cfg.SampleRate)*ringSlackMillis/1000+r.jitter), r.maxRing)
	r.ring[0] = make([]int16, size)
	r.ring[1] = make([]int16, size)
	r.mask, r.minRing = size-1, size
	return r, nil
}

// pow2 returns the smallest power of two >= n.
func pow2(n int64) int64 {
	size := int64(1)
	for size < n {
		size <<= 1
	}
	return size
}

// growRing enlarges the ring so that it holds [flushed, end), up to maxRing. The caller holds
// mu.
func (r *Recorder) growRing(end int64) {
	size := r.mask + 1
	if end-r.flushed <= size || size >= r.maxRing {
		return
	}
	r.resize(min(pow2(end-r.flushed), r.maxRing), size)
}

// shrinkRing returns a ring that grew to its first size once the writer has kept up for
// shrinkAfter flushes in a row, so that a burst of load does not cost the full ring for the
// rest of the call. The caller holds mu.
func (r *Recorder) shrinkRing() {
	if r.mask+1 <= r.minRing || r.maxPos-r.flushed > r.minRing/2 {
		r.calm = 0
		return
	}
	if r.calm++; r.calm >= shrinkAfter {
		r.calm = 0
		r.resize(r.minRing, max(r.maxPos-r.flushed, 0))
	}
}

// resize moves the ring to n frames, copying the keep frames from flushed on. The caller
// holds mu.
func (r *Recorder) resize(n, keep int64) {
	mask := n - 1
	for c := range r.ring {
		ring := make([]int16, n)
		for p := r.flushed; p < r.flushed+keep; p++ {
			ring[p&mask] = r.ring[c][p&r.mask]
		}
		r.ring[c] = ring
	}
	r.mask = mask
}

// zeros is the silence written for frames the ring never held.
var zeros [flushFrames * 4]byte

func frames(d time.Duration, rate int) int64 { return int64(d) * int64(rate) / int64(time.Second) }

// SampleRate returns the rate of the recording.
func (r *Recorder) SampleRate() int { return r.rate }

// wallPos returns the timeline position of time t. The caller holds mu.
func (r *Recorder) wallPos(t time.Time) int64 {
	if !r.started {
		r.started, r.origin = true, t
	}
	return frames(t.Sub(r.origin), r.rate)
}

// Start fixes the recording's time origin at t (otherwise the first packet's arrival).
func (r *Recorder) Start(t time.Time) {
	r.mu.Lock()
	r.wallPos(t)
	r.mu.Unlock()
}

// Pause discards audio from now until Resume; the interval becomes silence of its wall-clock
// length.
func (r *Recorder) Pause(now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.paused {
		r.paused, r.pausedAt = true, r.wallPos(now)
	}
}

// Resume ends a pause: the interval up to now is kept as silence, and every stream is
// re-anchored to the wall clock at its next packet.
func (r *Recorder) Resume(now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.paused {
		return
	}
	r.paused = false
	r.floor = r.wallPos(now)
	r.maxPos = max(r.maxPos, r.floor)
	for _, s := range r.streams {
		s.unanchor()
	}
}

// PadTo makes the recording last at least until t: a call whose media stopped before it ended
// (BYE) is padded with silence to its end, as gaps are, so that the recording's length stays
// the call's wall-clock length.
func (r *Recorder) PadTo(t time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.floor = max(r.floor, r.wallPos(t))
	r.maxPos = max(r.maxPos, r.floor)
}

// Origin returns the time of the recording's first frame (zero before Start or the first
// packet).
func (r *Recorder) Origin() time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.origin
}

// End returns the time just after the last frame handed to the writer: after Close, the
// recording's end, so that End - Origin is exactly its length.
func (r *Recorder) End() time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.origin.Add(time.Duration(r.emitted) * time.Second / time.Duration(r.rate))
}

// Paused reports whether the recorder is paused.
func (r *Recorder) Paused() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.paused
}

// placement is what put did with a packet's samples.
type placement int

const (
	placed  placement = iota // in the ring (perhaps trimmed by what was already written)
	late                     // every sample fell before the written part
	dropped                  // some samples were beyond what the ring holds: the writer fell behind
)

// put mixes samples at pos into the channel(s) (see mix.go). The caller holds mu.
func (r *Recorder) put(ch Channel, pos int64, pcm []int16) placement {
	n := int64(len(pcm))
	if pos+n <= r.flushed {
		return late
	}
	if pos < r.flushed {
		pcm = pcm[r.flushed-pos:]
		pos = r.flushed
		n = int64(len(pcm))
	}
	size := r.mask + 1
	if pos+n > r.flushed+size && r.maxPos <= r.flushed {
		// Everything received has been taken for the writer, so all that lies between is
		// silence (a gap in the media, or media starting late): owe it to the writer instead
		// of holding it, so that the ring has room however long the gap was. Packets of the
		// other direction up to the jitter delay earlier still find their place.
		r.flushed = max(r.flushed, pos-r.jitter)
	}
	r.growRing(pos + n)
	size = r.mask + 1
	how := placed
	if pos+n > r.flushed+size {
		// Audio still waits for the writer, which has fallen behind (a slow archive): the
		// ring is full. Keep memory bounded and count what does not fit.
		how = dropped
		if pos >= r.flushed+size {
			return how
		}
		pcm = pcm[:r.flushed+size-pos]
		n = int64(len(pcm))
	}
	if ch != Right {
		mixInto(r.ring[0], r.mask, pos, pcm)
	}
	if ch != Left {
		mixInto(r.ring[1], r.mask, pos, pcm)
	}
	if pos+n > r.maxPos {
		r.maxPos = pos + n
	}
	return how
}

// Flush writes the audio that is due at now (older than the jitter delay). It returns the
// writer's error, after which the recorder writes nothing more.
func (r *Recorder) Flush(now time.Time) error {
	r.mu.Lock()
	target := int64(-1)
	if r.started {
		target = min(r.wallPos(now)-r.jitter, r.maxPos)
		if r.paused {
			// Silence during a pause is written as time passes, keeping memory flat.
			target = r.wallPos(now) - r.jitter
		}
	}
	return r.flushTo(target)
}

// Close writes everything received (and, when paused, silence up to now) and returns the first
// write error. The caller then closes the writer.
func (r *Recorder) Close(now time.Time) error {
	r.mu.Lock()
	target := r.maxPos
	if r.paused && r.started {
		target = max(target, r.wallPos(now))
	}
	for _, s := range r.streams {
		s.finish()
	}
	return r.flushTo(target)
}

// Stop ends the recording at time at, or now if that is earlier (an unrecorded line joined:
// at is when it joined). Audio after that point is discarded, that received already included,
// and packets arriving later are ignored; only what the writer has already been given, which
// lags now by the jitter delay, cannot be taken back. It returns the time the recording ends.
func (r *Recorder) Stop(at, now time.Time) time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	if at.IsZero() || at.After(now) {
		at = now
	}
	pos := max(r.wallPos(at), r.emitted)
	if !r.stopped || pos < r.stopPos {
		r.stopped, r.stopPos = true, pos
	}
	return r.origin.Add(time.Duration(r.stopPos) * time.Second / time.Duration(r.rate))
}

// flushTo writes frames [emitted, target) and unlocks mu. Frames are copied out in ring-sized
// slices under the lock and written without it, so packets keep arriving while w blocks.
func (r *Recorder) flushTo(target int64) error {
	if !r.header {
		r.mu.Unlock()
		if r.err == nil {
			r.err = audio.WriteHeader(r.w, audio.PCMFormat(r.rate, 2), -1)
		}
		r.header = true
		r.mu.Lock()
	}
	for r.err == nil {
		end := target
		if r.stopped {
			end = min(end, r.stopPos)
		}
		if end <= r.emitted {
			break
		}
		var b []byte
		if r.emitted < r.flushed {
			// Silence owed for a gap the ring never held.
			n := min(r.flushed, end) - r.emitted
			b = zeros[:min(n, int64(len(zeros)/4))*4]
		} else {
			n := min(end-r.flushed, r.mask+1, flushFrames)
			need := int(n) * 4
			if cap(r.out) < need {
				r.out = make([]byte, need)
			}
			b = r.out[:need]
			for i := int64(0); i < n; i++ {
				idx := (r.flushed + i) & r.mask
				binary.LittleEndian.PutUint16(b[i*4:], uint16(r.ring[0][idx]))
				binary.LittleEndian.PutUint16(b[i*4+2:], uint16(r.ring[1][idx]))
				r.ring[0][idx], r.ring[1][idx] = 0, 0
			}
			r.flushed += n
		}
		r.emitted += int64(len(b) / 4)
		r.mu.Unlock()
		_, err := r.w.Write(b)
		r.mu.Lock()
		if err != nil {
			r.err = err
		} else {
			r.written += int64(len(b))
			inc(r.metrics.Bytes, float64(len(b)))
		}
	}
	r.shrinkRing()
	err := r.err
	r.mu.Unlock()
	return err
}

// Frames returns the number of stereo frames written so far.
func (r *Recorder) Frames() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.emitted
}

package audio

import (
	"io"
	"slices"
	"time"

	"github.com/callvault/callvault"
)

// Span is a stretch of a stream in frames: [Start, End).
type Span struct {
	Start int64 `json:"start"`
	End   int64 `json:"end"`
}

// MaskOptions tune a Masker. The zero value masks every tone with the default margins.
type MaskOptions struct {
	// KeepShortRuns keeps audible the tones that are not part of a card-like sequence. With a
	// bounded look-ahead the masker cannot know, when a digit passes, whether more will follow,
	// so it keeps the first six digits of a run (a pause of RunGap ends a run; PCI DSS allows
	// the first six digits of a card number in the clear) and never more than six within 20 s
	// (a card number keyed in groups with long pauses), masks every digit after them, and
	// once a run has gone beyond six digits masks every later tone of the stream (a security
	// code or an expiry date follows a card number).
	KeepShortRuns bool
	// Margin is silenced before and after each tone; default 20 ms.
	Margin time.Duration
	// Lookahead is how long samples wait in the masker before they are written; default and
	// minimum 100 ms (a tone is confirmed at most 40 ms after it starts).
	Lookahead time.Duration
	// RunGap is the pause that ends a run of digits; default 4 s.
	RunGap time.Duration
}

// MaskReport says what a Masker changed. It never says which digits were keyed.
type MaskReport struct {
	Masked    []Span // frames replaced by silence, merged, in order
	InBand    int    // tones found in the audio (one key heard on both channels counts once)
	Signalled int    // digits signalled out of band (Signal)
	Kept      int    // tones left audible (KeepShortRuns)
	Late      int64  // frames that had been written before a signalled digit covering them arrived
	CardLike  []Span // spans of keyed sequences that look like a card number (13-19 digits, Luhn)
}

// MaskedFrames returns how many frames the masker silenced.
func (r MaskReport) MaskedFrames() int64 {
	var n int64
	for _, s := range r.Masked {
		n += s.End - s.Start
	}
	return n
}

// Masker silences DTMF tones in a stream of audio data (the payload of a WAV data chunk or of
// RTP packets, interleaved frames in one of the vault's formats) on its way to a writer. Every
// frame waits in a delay line for the look-ahead, long enough for a tone to be confirmed, so
// that no frame of a tone, its onset included, is written unmasked: when a tone is found on any
// channel, all channels are silenced over the tone and a margin on each side. Digits signalled
// out of band (RFC 4733 telephone-events) are masked the same way. Tones too short for Q.24 to
// report as digits (down to about 12 ms) are masked too, by a more sensitive decision on pairs
// of blocks (dtmf_flash.go) that never counts a digit.
// The output has exactly as many bytes as the input; Close writes the last ones.
// It is not safe for concurrent use.
type Masker struct {
	w       io.Writer
	f       Format
	opts    MaskOptions
	margin  int64
	delay   int64
	silence []byte // one frame

	dets    []*DTMFDetector
	active  []activeTone // per channel
	pcm     [][]int16    // per channel scratch
	partial []byte       // bytes of an incomplete frame
	pend    []byte       // frames waiting in the delay line
	base    int64        // index of the first frame in pend
	pos     int64        // frames received
	spans   []Span       // closed masked spans not yet behind base, merged, sorted
	card    *cardWatch
	report  MaskReport
	err     error
	closed  bool
}

type activeTone struct {
	on, mask bool
	start    int64
}

// NewMasker returns a Masker writing f-encoded audio data to w.
func NewMasker(w io.Writer, f Format, opts MaskOptions) (*Masker, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	if opts.Margin <= 0 {
		opts.Margin = 20 * time.Millisecond
	}
	opts.Lookahead = max(opts.Lookahead, 100*time.Millisecond)
	if opts.RunGap <= 0 {
		opts.RunGap = 4 * time.Second
	}
	frames := func(d time.Duration) int64 { return int64(d) * int64(f.SampleRate) / int64(time.Second) }
	m := &Masker{
		w: w, f: f, opts: opts,
		margin: frames(opts.Margin),
		delay:  frames(opts.Lookahead),
		card:   newCardWatch(frames(opts.RunGap), 0),
	}
	m.silence = make([]byte, f.BlockAlign)
	switch f.Codec {
	case callvault.CodecMuLaw:
		fillBytes(m.silence, 0xFF)
	case callvault.CodecALaw:
		fillBytes(m.silence, 0xD5)
	}
	for range f.Channels {
		d, err := newDTMFDetector(f.SampleRate, dtmfMaskLevelDBm0)
		if err != nil {
			return nil, err
		}
		d.flash = true
		m.dets = append(m.dets, d)
		m.pcm = append(m.pcm, nil)
	}
	m.active = make([]activeTone, f.Channels)
	return m, nil
}

func fillBytes(b []byte, v byte) {
	for i := range b {
		b[i] = v
	}
}

// Write takes the next bytes of audio data, in any chunks, and writes to the underlying
// writer the frames that have left the delay line.
func (m *Masker) Write(p []byte) (int, error) {
	if m.err != nil {
		return 0, m.err
	}
	if m.closed {
		return 0, callvault.Errorf(callvault.KindInternal, "audio masker: write after close")
	}
	n := len(p)
	ba := m.f.BlockAlign
	if len(m.partial) > 0 {
		k := min(ba-len(m.partial), len(p))
		m.partial = append(m.partial, p[:k]...)
		p = p[k:]
		if len(m.partial) == ba {
			m.frames(m.partial)
			m.partial = m.partial[:0]
		}
	}
	whole := len(p) / ba * ba
	m.frames(p[:whole])
	m.partial = append(m.partial, p[whole:]...)
	m.release(m.pos - m.delay)
	return n, m.err
}

// frames analyses whole frames and puts them in the delay line.
func (m *Masker) frames(p []byte) {
	if len(p) == 0 {
		return
	}
	count := len(p) / m.f.BlockAlign
	for ch := range m.dets {
		m.pcm[ch] = decodeChannel(m.pcm[ch][:0], p, m.f, ch)
		for _, e := range m.dets[ch].Write(m.pcm[ch]) {
			m.toneEvent(ch, e)
		}
		// Tones too short for a digit that a decoder could still decode (dtmf_flash.go).
		for _, h := range m.dets[ch].hints {
			if m.shouldMask(h.Start) {
				m.addSpan(Span{h.Start - m.margin, h.End + m.margin})
			}
		}
	}
	m.pend = append(m.pend, p...)
	m.pos += int64(count)
}

// decodeChannel appends channel ch of the frames in p as linear samples.
func decodeChannel(dst []int16, p []byte, f Format, ch int) []int16 {
	ba := f.BlockAlign
	switch f.Codec {
	case callvault.CodecMuLaw:
		for i := ch; i < len(p); i += ba {
			dst = append(dst, MuLawDecode(p[i]))
		}
	case callvault.CodecALaw:
		for i := ch; i < len(p); i += ba {
			dst = append(dst, ALawDecode(p[i]))
		}
	default:
		for i := 2 * ch; i+1 < len(p); i += ba {
			dst = append(dst, int16(uint16(p[i])|uint16(p[i+1])<<8))
		}
	}
	return dst
}

func (m *Masker) toneEvent(ch int, e ToneEvent) {
	a := &m.active[ch]
	if !e.Ended {
		*a = activeTone{on: true, start: e.Start, mask: m.shouldMask(e.Start)}
		return
	}
	mask := a.mask
	*a = activeTone{}
	if m.card.add(keyedDigit{e.Digit, e.Start, e.End}) {
		m.report.InBand++
		if !mask {
			m.report.Kept++
		}
	}
	if mask {
		m.addSpan(Span{e.Start - m.margin, e.End + m.margin})
	}
}

// shouldMask decides, when a tone starts, whether it is masked.
func (m *Masker) shouldMask(start int64) bool {
	return !m.opts.KeepShortRuns || m.card.long || m.card.runLength(start) >= keepDigits ||
		m.card.recentDigits(start, keepHorizon*int64(m.f.SampleRate)) >= keepDigits
}

// Signal notes a digit signalled out of band over the frames [start, end) of this stream, for
// instance an RFC 4733 telephone-event (its timestamp gives start, its duration end). It may be
// called again as updates of the same event arrive. The span is masked like an in-band tone;
// frames already written can no longer be masked and are counted in the report as late.
func (m *Masker) Signal(digit byte, start, end int64) {
	start = max(start, 0)
	end = max(end, start+1)
	mask := m.shouldMask(start)
	if m.card.add(keyedDigit{digit, start, end}) {
		m.report.Signalled++
		if !mask {
			m.report.Kept++
		}
	}
	if !mask {
		return
	}
	if start < m.base {
		m.report.Late += min(end, m.base) - start
	}
	m.addSpan(Span{start - m.margin, end + m.margin})
}

// addSpan adds s to the spans still to apply and to the report, merging overlaps.
func (m *Masker) addSpan(s Span) {
	s.Start = max(s.Start, 0)
	m.spans = mergeSpan(m.spans, s)
	m.report.Masked = mergeSpan(m.report.Masked, s)
}

func mergeSpan(spans []Span, s Span) []Span {
	i, _ := slices.BinarySearchFunc(spans, s.Start, func(x Span, t int64) int {
		switch {
		case x.End < t:
			return -1
		case x.End > t:
			return 1
		}
		return 0
	})
	j := i
	for j < len(spans) && spans[j].Start <= s.End {
		s.Start = min(s.Start, spans[j].Start)
		s.End = max(s.End, spans[j].End)
		j++
	}
	return slices.Replace(spans, i, j, s)
}

// release masks and writes the frames before frame limit.
func (m *Masker) release(limit int64) {
	if limit <= m.base || m.err != nil {
		return
	}
	ba := int64(m.f.BlockAlign)
	n := limit - m.base
	out := m.pend[:n*ba]
	silence := func(from, to int64) {
		from, to = max(from, m.base), min(to, limit)
		for i := from; i < to; i++ {
			copy(out[(i-m.base)*ba:], m.silence)
		}
	}
	for _, s := range m.spans {
		if s.Start >= limit {
			break
		}
		silence(s.Start, s.End)
	}
	for _, a := range m.active {
		if a.on && a.mask {
			silence(a.start-m.margin, limit)
		}
	}
	if _, err := m.w.Write(out); err != nil {
		m.err = err
	}
	m.pend = m.pend[:copy(m.pend, m.pend[n*ba:])]
	m.base = limit
	k := 0
	for k < len(m.spans) && m.spans[k].End <= limit {
		k++
	}
	m.spans = slices.Delete(m.spans, 0, k)
}

// Close ends the stream: tones still sounding end, every frame is written (a trailing partial
// frame as silence if the stream ends masked, as received otherwise) and the digits are
// forgotten. It does not close the underlying writer.
func (m *Masker) Close() error {
	if m.closed {
		return m.err
	}
	m.closed = true
	for ch, d := range m.dets {
		for _, e := range d.Close() {
			m.toneEvent(ch, e)
		}
	}
	m.release(m.pos)
	m.card.close()
	for i := range m.report.Masked {
		m.report.Masked[i].End = min(m.report.Masked[i].End, m.pos+1)
	}
	if len(m.partial) > 0 && m.err == nil {
		for _, s := range m.report.Masked {
			if s.Start <= m.pos && m.pos < s.End {
				copy(m.partial, m.silence)
			}
		}
		_, m.err = m.w.Write(m.partial)
	}
	return m.err
}

// Report returns what the masker has changed so far; after Close it is complete.
func (m *Masker) Report() MaskReport {
	r := m.report
	r.Masked = slices.Clone(r.Masked)
	r.CardLike = slices.Clone(m.card.spans)
	return r
}

package rtp

import (
	"bytes"
	"encoding/binary"
	"github.com/callvault/callvault/internal/audio/audiotest"
	"io"
	"testing"
	"time"

	pionrtp "github.com/pion/rtp"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/callvault/callvault/internal/audio"
)

const ptime = 20 * time.Millisecond

var t0 = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

func packet(t *testing.T, pt uint8, seq uint16, ts, ssrc uint32, payload []byte) []byte {
	t.Helper()
	p := pionrtp.Packet{Header: pionrtp.Header{Version: 2, PayloadType: pt, SequenceNumber: seq, Timestamp: ts, SSRC: ssrc}, Payload: payload}
	b, err := p.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// readStereo parses a stereo 16-bit WAV and returns its channels.
func readStereo(t *testing.T, b []byte) (left, right []int16) {
	t.Helper()
	wr, err := audio.NewWAVReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if f := wr.Format(); f.Channels != 2 || f.BitsPerSample != 16 {
		t.Fatalf("format %v, want 16-bit stereo", f)
	}
	data, err := io.ReadAll(wr)
	if err != nil {
		t.Fatal(err)
	}
	data = data[wr.DataOffset():]
	for i := 0; i+4 <= len(data); i += 4 {
		left = append(left, int16(binary.LittleEndian.Uint16(data[i:])))
		right = append(right, int16(binary.LittleEndian.Uint16(data[i+2:])))
	}
	return left, right
}

func decodeMuLaw(b []byte) []int16 {
	out := make([]int16, len(b))
	for i, c := range b {
		out[i] = audio.MuLawDecode(c)
	}
	return out
}

func pcmu() PayloadMap {
	var pm PayloadMap
	pm[0] = EncodingPCMU
	pm[8] = EncodingPCMA
	pm[101] = EncodingTelephoneEvent
	pm[13] = EncodingComfortNoise
	return pm
}

// arrival is one packet and when it arrives.
type arrival struct {
	s   *Stream
	b   []byte
	at  time.Time
	idx int
}

func newTestRecorder(t *testing.T, buf *bytes.Buffer) *Recorder {
	t.Helper()
	r, err := NewRecorder(buf, RecorderConfig{SampleRate: 8000})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// play delivers packets in order of their arrival times, flushing every 100 ms of time.
func play(r *Recorder, as []arrival) {
	next := t0
	for _, a := range as {
		for !a.at.Before(next) {
			r.Flush(next)
			next = next.Add(100 * time.Millisecond)
		}
		a.s.Write(a.b, a.at)
	}
}

func TestRecorderAlignsLossAndReorder(t *testing.T) {
	const n = 100
	var buf bytes.Buffer
	r := newTestRecorder(t, &buf)
	left := r.AddStream(Left, pcmu())
	right := r.AddStream(Right, pcmu())
	la, ra := audiotest.MuLawSignal(n*160, 1), audiotest.MuLawSignal(n*160, 2)
	var as []arrival
	lostIdx := map[int]bool{}
	for i := range n {
		at := t0.Add(time.Duration(i) * ptime)
		as = append(as, arrival{left, packet(t, 0, uint16(60000+i), uint32(1000+160*i), 11, la[i*160:(i+1)*160]), at, i})
		if i%20 == 7 { // 5% loss on the right
			lostIdx[i] = true
			continue
		}
		rat := at.Add(3 * time.Millisecond)
		if i%10 == 3 { // reordered: arrives after its successor
			rat = rat.Add(30 * time.Millisecond)
		}
		as = append(as, arrival{right, packet(t, 0, uint16(65500+i), uint32(4000000000+160*i), 22, ra[i*160:(i+1)*160]), rat, i})
	}
	sortArrivals(as)
	play(r, as)
	if err := r.Close(t0.Add(n * ptime)); err != nil {
		t.Fatal(err)
	}
	// The right stream's first packet arrived 3 ms (24 frames) after the left's.
	const skew = 24
	gotL, gotR := readStereo(t, buf.Bytes())
	if len(gotL) != n*160+skew {
		t.Fatalf("recorded %d frames, want %d", len(gotL), n*160+skew)
	}
	wantL := decodeMuLaw(la)
	wantR := decodeMuLaw(ra)
	for i := range n {
		if lostIdx[i] {
			for j := range 160 {
				wantR[i*160+j] = 0
			}
		}
	}
	if !equalPCM(gotL[:n*160], wantL) {
		t.Error("left channel differs from the sent audio")
	}
	if !equalPCM(gotR[skew:], wantR) {
		t.Error("right channel differs from the sent audio (lost packets as silence, 3 ms skew)")
	}
	if st := right.Stats(); st.Lost != int64(len(lostIdx)) || st.Late != 0 || st.Reanchor != 0 {
		t.Errorf("right stats %+v, want %d lost, none late or re-anchored", st, len(lostIdx))
	}
}

func TestRecorderPauseKeepsWallClock(t *testing.T) {
	var buf bytes.Buffer
	r := newTestRecorder(t, &buf)
	s := r.AddStream(Both, pcmu())
	a := audiotest.MuLawSignal(50*160, 3)
	var as []arrival
	for i := range 50 {
		at := t0.Add(time.Duration(i) * ptime)
		if i >= 25 {
			at = at.Add(time.Second) // the sender stopped for a second, timestamps did not
		}
		as = append(as, arrival{s, packet(t, 0, uint16(i), uint32(160*i), 1, a[i*160:(i+1)*160]), at, i})
	}
	play(r, as[:25])
	r.Pause(t0.Add(500 * time.Millisecond))
	s.Write(packet(t, 0, 999, 999, 1, a[:160]), t0.Add(700*time.Millisecond)) // discarded
	r.Flush(t0.Add(1400 * time.Millisecond))
	r.Resume(t0.Add(1500 * time.Millisecond))
	play(r, as[25:])
	if err := r.Close(t0.Add(2500 * time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	gotL, gotR := readStereo(t, buf.Bytes())
	want := decodeMuLaw(a[:25*160])
	want = append(want, make([]int16, 8000)...)
	want = append(want, decodeMuLaw(a[25*160:])...)
	if len(gotL) != len(want) {
		t.Fatalf("recorded %d frames, want %d (1 s pause kept as silence)", len(gotL), len(want))
	}
	if !equalPCM(gotL, want) || !equalPCM(gotR, want) {
		t.Error("mixed stream not on both channels with the pause as silence")
	}
	if st := s.Stats(); st.Paused != 1 || st.Lost != 0 {
		t.Errorf("stats %+v, want 1 paused packet and no loss", st)
	}
}

func TestRecorderSSRCChangeAndEvents(t *testing.T) {
	var buf bytes.Buffer
	r := newTestRecorder(t, &buf)
	s := r.AddStream(Left, pcmu())
	a := audiotest.MuLawSignal(20*160, 4)
	var as []arrival
	for i := range 20 {
		at := t0.Add(time.Duration(i) * ptime)
		// Sequence numbers 1-4 go to the event, comfort noise and unknown packets below,
		// sent between the first two audio packets: one sequence space, no loss.
		ssrc, ts, seq := uint32(5), uint32(160*i), uint16(i)
		if i > 0 {
			seq += 4
		}
		if i >= 10 { // a new sender with unrelated timestamps and sequence numbers
			ssrc, ts, seq = 6, uint32(77777+160*i), uint16(3000+i)
		}
		as = append(as, arrival{s, packet(t, 0, seq, ts, ssrc, a[i*160:(i+1)*160]), at, i})
	}
	// A DTMF event (three packets of one event) and comfort noise: counted, not stored.
	as = append(as, arrival{s, packet(t, 101, 1, 999, 5, []byte{5, 0x80, 0, 160}), t0.Add(15 * time.Millisecond), 0})
	as = append(as, arrival{s, packet(t, 101, 2, 999, 5, []byte{5, 0x80, 0, 160}), t0.Add(16 * time.Millisecond), 0})
	as = append(as, arrival{s, packet(t, 13, 3, 999, 5, []byte{40}), t0.Add(17 * time.Millisecond), 0})
	as = append(as, arrival{s, packet(t, 96, 4, 999, 5, []byte{1, 2}), t0.Add(18 * time.Millisecond), 0})
	sortArrivals(as)
	play(r, as)
	if err := r.Close(t0.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	gotL, _ := readStereo(t, buf.Bytes())
	if want := decodeMuLaw(a); !equalPCM(gotL, want) {
		t.Errorf("after an SSRC change the audio is not contiguous (%d frames, want %d)", len(gotL), len(want))
	}
	if st := s.Stats(); st.SSRCs != 1 || st.Events != 1 || st.Comfort != 1 || st.Unknown != 1 || st.Lost != 0 {
		t.Errorf("stats %+v, want 1 SSRC change, 1 event, 1 CN, 1 unknown, no loss", st)
	}
}

// counter is a prometheus.Counter that only counts.
type counter struct {
	prometheus.Counter
	n float64
}

func (c *counter) Add(v float64) { c.n += v }
func (c *counter) Inc()          { c.n++ }

// gateWriter is a writer that can be made to block, like an archive that falls behind.
type gateWriter struct {
	buf     bytes.Buffer
	closed  bool          // Write blocks until open is called
	blocked chan struct{} // gets a value when a Write starts blocking
	gate    chan struct{}
}

func (w *gateWriter) Write(b []byte) (int, error) {
	if w.closed {
		w.blocked <- struct{}{}
		<-w.gate
	}
	return w.buf.Write(b)
}

// TestRecorderBoundedWhenWriterStalls: the writer (the archive) blocks for 3 s, longer than
// the ring holds. Memory stays one ring (grown to 2 s, and back to 0.5 s once the writer has
// kept up for a while); the audio that could not be held is counted as
// dropped, packet for packet, and everything else is in the recording, in place, which still
// lasts the call's wall-clock time.
func TestRecorderBoundedWhenWriterStalls(t *testing.T) {
	w := &gateWriter{blocked: make(chan struct{}), gate: make(chan struct{})}
	dropped := &counter{}
	r, err := NewRecorder(w, RecorderConfig{SampleRate: 8000, Metrics: &Metrics{Dropped: dropped}})
	if err != nil {
		t.Fatal(err)
	}
	r.Start(t0)
	s := r.AddStream(Left, pcmu())
	const n = 400 // 8 s
	sig := audiotest.MuLawSignal(n*160, 5)
	at := func(i int) time.Time { return t0.Add(time.Duration(i) * ptime) }
	send := func(i int) { s.Write(packet(t, 0, uint16(i), uint32(160*i), 1, sig[160*i:160*(i+1)]), at(i)) }
	for i := range 55 {
		send(i)
		if i%5 == 0 {
			r.Flush(at(i))
		}
	}
	// At 1.1 s the writer stalls inside a Flush, for 3 s of media.
	w.closed = true
	flushed := make(chan error)
	go func() { flushed <- r.Flush(at(55)) }()
	<-w.blocked
	for i := 55; i < 200; i++ {
		send(i)
	}
	w.closed = false
	close(w.gate)
	if err := <-flushed; err != nil {
		t.Fatal(err)
	}
	if got := len(r.ring[0]); got != 16384 {
		t.Errorf("during the stall the ring held %d frames, want it grown to 16384 (2 s)", got)
	}
	for i := 200; i < n; i++ {
		if i%5 == 0 {
			r.Flush(at(i))
		}
		send(i)
	}
	if err := r.Close(at(n)); err != nil {
		t.Fatal(err)
	}
	if got := len(r.ring[0]); got != 4096 {
		t.Errorf("4 s after the stall the ring holds %d frames, want it back to 4096", got)
	}
	got, _ := readStereo(t, w.buf.Bytes())
	if len(got) != n*160 {
		t.Fatalf("recorded %d frames, want %d (the call's wall-clock length)", len(got), n*160)
	}
	want := decodeMuLaw(sig)
	missing := 0
	for i := range n {
		if !equalPCM(got[160*i:160*(i+1)], want[160*i:160*(i+1)]) {
			missing++
			if i < 55 || i >= 200 {
				t.Errorf("packet %d, sent while the writer kept up, is not in the recording", i)
			}
		}
	}
	st := s.Stats()
	if missing == 0 || int64(missing) != st.Dropped || dropped.n != float64(missing) {
		t.Errorf("%d packets missing from the recording, %d counted dropped (metric %v): every loss must be counted", missing, st.Dropped, dropped.n)
	}
	if st.Late != 0 || st.Lost != 0 {
		t.Errorf("stats %+v: the stall is neither lateness nor network loss", st)
	}
}

func sortArrivals(as []arrival) {
	for i := 1; i < len(as); i++ {
		for j := i; j > 0 && as[j].at.Before(as[j-1].at); j-- {
			as[j], as[j-1] = as[j-1], as[j]
		}
	}
}

func equalPCM(a, b []int16) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

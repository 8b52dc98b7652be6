package rtp

import (
	"bytes"
	"github.com/callvault/callvault/internal/audio/audiotest"
	"testing"
	"time"
)

// TestRecorderLateFirstPacketKeepsAlignment: the two directions are sent in step, but the
// right stream's reader is held up for 50 ms at the start (a loaded machine), so its first
// three packets are stamped together. The recorder must still place the right channel by its
// timestamps from the earliest arrival, in step with the left, not 50 ms late for the whole call.
func TestRecorderLateFirstPacketKeepsAlignment(t *testing.T) {
	const n = 50
	var buf bytes.Buffer
	r := newTestRecorder(t, &buf)
	r.Start(t0)
	left := r.AddStream(Left, pcmu())
	right := r.AddStream(Right, pcmu())
	la, ra := audiotest.MuLawSignal(n*160, 7), audiotest.MuLawSignal(n*160, 8)
	var as []arrival
	for i := range n {
		at := t0.Add(time.Duration(i) * ptime)
		as = append(as, arrival{left, packet(t, 0, uint16(i), uint32(160*i), 1, la[i*160:(i+1)*160]), at, i})
		rat := at
		if i < 3 {
			rat = t0.Add(50 * time.Millisecond).Add(time.Duration(i) * time.Microsecond)
		}
		as = append(as, arrival{right, packet(t, 0, uint16(i), uint32(9000+160*i), 2, ra[i*160:(i+1)*160]), rat, i})
	}
	sortArrivals(as)
	play(r, as)
	if err := r.Close(t0.Add(n * ptime)); err != nil {
		t.Fatal(err)
	}
	gotL, gotR := readStereo(t, buf.Bytes())
	if len(gotL) != n*160 {
		t.Fatalf("recorded %d frames, want %d (no trailing silence from the late anchor)", len(gotL), n*160)
	}
	if !equalPCM(gotL, decodeMuLaw(la)) {
		t.Error("left channel differs from the sent audio")
	}
	if !equalPCM(gotR, decodeMuLaw(ra)) {
		lead := 0
		for lead < len(gotR) && gotR[lead] == 0 {
			lead++
		}
		t.Errorf("right channel is not the sent audio in step with the left (it starts after %d frames of silence)", lead)
	}
	if st := right.Stats(); st.Late != 0 || st.Reanchor != 0 || st.Lost != 0 {
		t.Errorf("right stats %+v, want nothing late, lost or re-anchored", st)
	}
}

// TestRecorderAdvanceStopsOnceWritten: a run whose audio has started to be written is not moved
// any more (a sender whose clock runs fast is left to the drift limit).
func TestRecorderAdvanceStopsOnceWritten(t *testing.T) {
	var buf bytes.Buffer
	r := newTestRecorder(t, &buf)
	r.Start(t0)
	s := r.AddStream(Left, pcmu())
	a := audiotest.MuLawSignal(30*160, 9)
	for i := range 30 {
		at := t0.Add(time.Duration(i) * ptime)
		if i == 29 {
			at = at.Add(-10 * time.Millisecond) // early, after 580 ms: the first audio is written
		}
		r.Flush(at)
		s.Write(packet(t, 0, uint16(i), uint32(160*i), 1, a[i*160:(i+1)*160]), at)
	}
	if err := r.Close(t0.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	got, _ := readStereo(t, buf.Bytes())
	if !equalPCM(got, decodeMuLaw(a)) {
		t.Errorf("an early packet late in the run moved audio already written (%d frames, want %d)", len(got), len(a))
	}
}

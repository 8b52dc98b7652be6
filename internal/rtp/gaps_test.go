package rtp

import (
	"bytes"
	"testing"
	"time"

	"github.com/callvault/callvault/internal/audio/audiotest"
)

// TestRecorderMediaStartsLate: the recording starts at the INVITE and the media 3 s later
// (longer than the ring holds): the recording is 3 s of silence, then the audio, all of it.
func TestRecorderMediaStartsLate(t *testing.T) {
	var buf bytes.Buffer
	r := newTestRecorder(t, &buf)
	r.Start(t0)
	l := r.AddStream(Left, pcmu())
	const first, n = 150, 250 // packets 150-399: 3 s to 8 s
	sig := audiotest.MuLawSignal(n*160, 21)
	var as []arrival
	for i := range n {
		as = append(as, arrival{s: l, b: packet(t, 0, uint16(i), uint32(160*i), 1, sig[160*i:160*(i+1)]), at: t0.Add(time.Duration(first+i) * ptime)})
	}
	play(r, as)
	if err := r.Close(t0.Add((first + n) * ptime)); err != nil {
		t.Fatal(err)
	}
	got, _ := readStereo(t, buf.Bytes())
	want := append(make([]int16, first*160), decodeMuLaw(sig)...)
	if !equalPCM(got, want) {
		t.Errorf("recorded %d frames, want %d: 3 s of silence, then the audio sample for sample", len(got), len(want))
	}
	if st := l.Stats(); st.Dropped != 0 || st.Late != 0 || st.Lost != 0 {
		t.Errorf("stats %+v, want nothing dropped, late or lost", st)
	}
}

// TestRecorderGapOnBothStreams: both directions stop for 3 s (no pause signalled; the
// timestamps go on), then come back: the gap is silence and the audio after it is all there,
// in place.
func TestRecorderGapOnBothStreams(t *testing.T) {
	var buf bytes.Buffer
	r := newTestRecorder(t, &buf)
	r.Start(t0)
	l := r.AddStream(Left, pcmu())
	rr := r.AddStream(Right, pcmu())
	const n = 250 // 5 s of timestamps; nothing on the wire from 1 s to 4 s
	la, ra := audiotest.MuLawSignal(n*160, 22), audiotest.MuLawSignal(n*160, 23)
	gap := func(i int) bool { return i >= 50 && i < 200 }
	var as []arrival
	for i := range n {
		if gap(i) {
			continue
		}
		at := t0.Add(time.Duration(i) * ptime)
		as = append(as, arrival{s: l, b: packet(t, 0, uint16(i), uint32(160*i), 1, la[160*i:160*(i+1)]), at: at})
		as = append(as, arrival{s: rr, b: packet(t, 0, uint16(i), uint32(9000+160*i), 2, ra[160*i:160*(i+1)]), at: at.Add(time.Millisecond)})
	}
	play(r, as)
	if err := r.Close(t0.Add(n * ptime)); err != nil {
		t.Fatal(err)
	}
	gotL, gotR := readStereo(t, buf.Bytes())
	// The right direction is 1 ms (8 frames) behind the left, and the recording ends with it.
	wantL, wantR := append(decodeMuLaw(la), make([]int16, 8)...), append(make([]int16, 8), decodeMuLaw(ra)...)
	for i := 50 * 160; i < 200*160; i++ {
		wantL[i], wantR[i+8] = 0, 0
	}
	if !equalPCM(gotL, wantL) {
		t.Errorf("left: %d frames, want %d: the audio with the gap as silence", len(gotL), len(wantL))
	}
	if !equalPCM(gotR, wantR) {
		t.Errorf("right: %d frames, want the audio 1 ms later with the gap as silence", len(gotR))
	}
	for _, s := range []*Stream{l, rr} {
		if st := s.Stats(); st.Dropped != 0 || st.Late != 0 || st.Reanchor != 0 {
			t.Errorf("stats %+v, want nothing dropped, late or re-anchored", st)
		}
	}
}

// TestRecorderVeryLatePacket: one packet arrives 710 ms late, long after its audio was
// written. It is counted late and changes nothing else: it must not re-anchor the stream and
// overwrite the audio of the packets around it.
func TestRecorderVeryLatePacket(t *testing.T) {
	var buf bytes.Buffer
	r := newTestRecorder(t, &buf)
	r.Start(t0)
	l := r.AddStream(Left, pcmu())
	const n = 250
	sig := audiotest.MuLawSignal(n*160, 24)
	var as []arrival
	for i := range n {
		at := t0.Add(time.Duration(i) * ptime)
		if i == 100 {
			at = at.Add(710 * time.Millisecond)
		}
		as = append(as, arrival{s: l, b: packet(t, 0, uint16(i), uint32(160*i), 1, sig[160*i:160*(i+1)]), at: at})
	}
	sortArrivals(as)
	play(r, as)
	if err := r.Close(t0.Add(n * ptime)); err != nil {
		t.Fatal(err)
	}
	got, _ := readStereo(t, buf.Bytes())
	want := decodeMuLaw(sig)
	clear(want[100*160 : 101*160]) // its audio was written (as silence) before it came
	if !equalPCM(got, want) {
		t.Errorf("recorded %d frames, want %d: the audio with only the late packet silent", len(got), len(want))
	}
	if st := l.Stats(); st.Late != 1 || st.Reanchor != 0 || st.Lost != 0 {
		t.Errorf("stats %+v, want 1 late, no re-anchor and no loss", st)
	}
}

// TestRecorderEventsAreNotLoss: RFC 4733 events replace the audio for 100 ms and take its
// sequence numbers; they are events, not lost packets.
func TestRecorderEventsAreNotLoss(t *testing.T) {
	var buf bytes.Buffer
	r := newTestRecorder(t, &buf)
	s := r.AddStream(Left, pcmu())
	a := audiotest.MuLawSignal(160, 25)
	for i := range 30 {
		at := t0.Add(time.Duration(i) * ptime)
		switch {
		case i >= 10 && i < 15:
			s.Write(packet(t, 101, uint16(i), 1600, 5, []byte{5, 0x80, 0, 160}), at)
		case i == 20:
			s.Write(packet(t, 13, uint16(i), uint32(160*i), 5, []byte{40}), at)
		default:
			s.Write(packet(t, 0, uint16(i), uint32(160*i), 5, a), at)
		}
	}
	if err := r.Close(t0.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if st := s.Stats(); st.Lost != 0 || st.Events != 1 || st.Comfort != 1 {
		t.Errorf("stats %+v, want 1 event, 1 comfort noise and nothing lost", st)
	}
}

// TestRecorderDuplicatesDoNotHideLoss: a packet sent twice (a retransmitting SBC, a looped
// network) is counted as a duplicate, not as a second received packet; otherwise it would
// cancel out a lost one in the loss count.
func TestRecorderDuplicatesDoNotHideLoss(t *testing.T) {
	var buf bytes.Buffer
	r := newTestRecorder(t, &buf)
	s := r.AddStream(Left, pcmu())
	a := audiotest.MuLawSignal(160, 26)
	for i := range 30 {
		at := t0.Add(time.Duration(i) * ptime)
		switch i {
		case 7: // lost
		case 12: // sent twice
			s.Write(packet(t, 0, uint16(i), uint32(160*i), 5, a), at)
			s.Write(packet(t, 0, uint16(i), uint32(160*i), 5, a), at.Add(time.Millisecond))
		default:
			s.Write(packet(t, 0, uint16(i), uint32(160*i), 5, a), at)
		}
	}
	if err := r.Close(t0.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if st := s.Stats(); st.Lost != 1 || st.Duplicate != 1 {
		t.Errorf("stats %+v, want 1 lost and 1 duplicate", st)
	}
}

// TestRecorderStopCutsAtTheGivenTime: an unrecorded line joined 100 ms before the metadata
// saying so arrived. The recording ends where it joined, not at what had been received, and
// packets after the stop are ignored; what was already written (all but the jitter delay) is
// kept when the given time is earlier still.
func TestRecorderStopCutsAtTheGivenTime(t *testing.T) {
	for _, tt := range []struct {
		name   string
		joined time.Duration // after t0
		want   int64         // frames recorded
	}{
		{"joined inside the jitter window", 1900 * time.Millisecond, 1900 * 8},
		{"joined before what is written", time.Second, 1780 * 8}, // the last flush, at 1.98 s
		{"time in the future", time.Hour, 2000 * 8},
		{"no time given", -1, 2000 * 8},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			r := newTestRecorder(t, &buf)
			r.Start(t0)
			l := r.AddStream(Left, pcmu())
			sig := audiotest.MuLawSignal(150*160, 26)
			for i := range 100 { // 2 s of audio, flushed as it goes
				at := t0.Add(time.Duration(i) * ptime)
				l.Write(packet(t, 0, uint16(i), uint32(160*i), 1, sig[160*i:160*(i+1)]), at)
				r.Flush(at)
			}
			now := t0.Add(2 * time.Second)
			var joined time.Time
			if tt.joined > 0 {
				joined = t0.Add(tt.joined)
			}
			end := r.Stop(joined, now)
			for i := 100; i < 150; i++ { // media still coming
				at := t0.Add(time.Duration(i) * ptime)
				l.Write(packet(t, 0, uint16(i), uint32(160*i), 1, sig[160*i:160*(i+1)]), at)
				r.Flush(at)
			}
			if err := r.Close(t0.Add(3 * time.Second)); err != nil {
				t.Fatal(err)
			}
			got, _ := readStereo(t, buf.Bytes())
			if int64(len(got)) != tt.want || !equalPCM(got, decodeMuLaw(sig)[:len(got)]) {
				t.Errorf("recorded %d frames, want the first %d of the audio", len(got), tt.want)
			}
			if want := t0.Add(time.Duration(tt.want) * time.Second / 8000); !end.Equal(want) {
				t.Errorf("Stop says the recording ends at %v, want %v", end.Sub(t0), want.Sub(t0))
			}
		})
	}
}

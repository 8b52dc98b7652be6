package rtp

import (
	"bytes"
	"math"
	"testing"
	"time"

	"github.com/callvault/callvault/internal/audio"
	"github.com/callvault/callvault/internal/audio/audiotest"
)

func TestMixSampleSaturates(t *testing.T) {
	tests := []struct{ a, b, want int16 }{
		{1000, -300, 700},
		{30000, 30000, math.MaxInt16},
		{-30000, -30000, math.MinInt16},
		{math.MaxInt16, 0, math.MaxInt16},
		{math.MinInt16, -1, math.MinInt16},
	}
	for _, tt := range tests {
		if got := mixSample(tt.a, tt.b); got != tt.want {
			t.Errorf("mixSample(%d, %d) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

// TestRecorderMixesWhereSourcesMeet: two streams on the right channel (conference legs) are
// summed with saturation, a duplicate packet is not added twice, a mixed stream on both
// channels is summed into the caller's channel as well, and a channel with one source holds
// exactly what it sent.
func TestRecorderMixesWhereSourcesMeet(t *testing.T) {
	const n = 50
	var buf bytes.Buffer
	r := newTestRecorder(t, &buf)
	r.Start(t0)
	caller := r.AddStream(Left, pcmu())
	leg1 := r.AddStream(Right, pcmu())
	leg2 := r.AddStream(Right, pcmu())
	sc, s1 := audiotest.MuLawSignal(n*160, 61), audiotest.MuLawSignal(n*160, 62)
	s2 := bytes.Repeat([]byte{0x80}, n*160) // mu-law +32124: with leg 1 it saturates
	var as []arrival
	for i := range n {
		at := t0.Add(time.Duration(i) * ptime)
		for k, s := range []struct {
			st  *Stream
			sig []byte
		}{{caller, sc}, {leg1, s1}, {leg2, s2}} {
			b := packet(t, 0, uint16(i), uint32(160*i), uint32(k+1), s.sig[i*160:(i+1)*160])
			as = append(as, arrival{s.st, b, at, i})
			if s.st == leg1 && i%10 == 4 {
				as = append(as, arrival{s.st, b, at.Add(time.Millisecond), i}) // a duplicate
			}
		}
	}
	play(r, as)
	if err := r.Close(t0.Add(n * ptime)); err != nil {
		t.Fatal(err)
	}
	left, right := readStereo(t, buf.Bytes())
	if len(left) != n*160 {
		t.Fatalf("recorded %d frames, want %d", len(left), n*160)
	}
	if !equalPCM(left, decodeMuLaw(sc)) {
		t.Error("the caller's channel differs from what the caller sent")
	}
	w1, w2 := decodeMuLaw(s1), decodeMuLaw(s2)
	saturated := 0
	for i := range right {
		want := mixSample(w1[i], w2[i])
		if right[i] != want {
			t.Fatalf("right frame %d = %d, want %d + %d saturated = %d", i, right[i], w1[i], w2[i], want)
		}
		if want == math.MaxInt16 {
			saturated++
		}
	}
	if saturated == 0 {
		t.Error("no frame saturated: the test does not exercise saturation")
	}
	if st := leg1.Stats(); st.Duplicate != n/10 {
		t.Errorf("leg 1 duplicates %d, want %d", st.Duplicate, n/10)
	}

	// A mixed stream (both channels) beside the caller's own stream: summed into both.
	buf.Reset()
	r = newTestRecorder(t, &buf)
	r.Start(t0)
	caller = r.AddStream(Left, pcmu())
	mixed := r.AddStream(Both, pcmu())
	as = nil
	for i := range n {
		at := t0.Add(time.Duration(i) * ptime)
		as = append(as, arrival{caller, packet(t, 0, uint16(i), uint32(160*i), 1, sc[i*160:(i+1)*160]), at, i},
			arrival{mixed, packet(t, 0, uint16(i), uint32(160*i), 2, s1[i*160:(i+1)*160]), at, i})
	}
	play(r, as)
	if err := r.Close(t0.Add(n * ptime)); err != nil {
		t.Fatal(err)
	}
	left, right = readStereo(t, buf.Bytes())
	wc := decodeMuLaw(sc)
	for i := range left {
		if left[i] != mixSample(wc[i], w1[i]) || right[i] != w1[i] {
			t.Fatalf("frame %d: left %d right %d, want %d and %d", i, left[i], right[i], mixSample(wc[i], w1[i]), w1[i])
		}
	}
}

// TestRecorderPadsToTheEnd: media that stops before the call ends is padded with silence to
// the end given (BYE), and End - Origin is exactly the recording's length.
func TestRecorderPadsToTheEnd(t *testing.T) {
	const n = 50 // 1 s of media
	var buf bytes.Buffer
	r := newTestRecorder(t, &buf)
	r.Start(t0)
	s := r.AddStream(Left, pcmu())
	sig := audiotest.MuLawSignal(n*160, 63)
	var as []arrival
	for i := range n {
		as = append(as, arrival{s, packet(t, 0, uint16(i), uint32(160*i), 1, sig[i*160:(i+1)*160]), t0.Add(time.Duration(i) * ptime), i})
	}
	play(r, as)
	bye := t0.Add(3 * time.Second)
	r.PadTo(bye)
	if err := r.Close(bye); err != nil {
		t.Fatal(err)
	}
	left, _ := readStereo(t, buf.Bytes())
	if len(left) != 3*8000 {
		t.Fatalf("recorded %d frames, want %d (the call's 3 s)", len(left), 3*8000)
	}
	if !equalPCM(left[:n*160], decodeMuLaw(sig)) || !equalPCM(left[n*160:], make([]int16, 3*8000-n*160)) {
		t.Error("want the media, then silence to the end")
	}
	if !r.Origin().Equal(t0) || !r.End().Equal(bye) {
		t.Errorf("origin %v end %v, want %v and %v", r.Origin(), r.End(), t0, bye)
	}
}

// TestRecorderRingGrowsOnlyWhenNeeded: a call whose writer keeps up holds a ring of half a
// second (16 KiB at 8 kHz), not the two seconds it may grow to.
func TestRecorderRingGrowsOnlyWhenNeeded(t *testing.T) {
	const n = 250 // 5 s
	var buf bytes.Buffer
	r := newTestRecorder(t, &buf)
	r.Start(t0)
	left, right := r.AddStream(Left, pcmu()), r.AddStream(Right, pcmu())
	sig := audiotest.MuLawSignal(n*160, 64)
	var as []arrival
	for i := range n {
		at := t0.Add(time.Duration(i) * ptime)
		as = append(as, arrival{left, packet(t, 0, uint16(i), uint32(160*i), 1, sig[i*160:(i+1)*160]), at, i},
			arrival{right, packet(t, 0, uint16(i), uint32(160*i), 2, sig[i*160:(i+1)*160]), at.Add(5 * time.Millisecond), i})
	}
	play(r, as)
	if err := r.Close(t0.Add(n * ptime)); err != nil {
		t.Fatal(err)
	}
	if got := len(r.ring[0]) + len(r.ring[1]); got*2 > 16<<10 {
		t.Errorf("ring of %d bytes, want at most 16 KiB", got*2)
	}
	l, _ := readStereo(t, buf.Bytes())
	if len(l) < n*160 || !equalPCM(l[:n*160], decodeMuLaw(sig)) {
		t.Error("left channel differs from the sent audio")
	}
	// A 16 kHz call starts with twice as much.
	r16, err := NewRecorder(&buf, RecorderConfig{SampleRate: 16000})
	if err != nil {
		t.Fatal(err)
	}
	if got := len(r16.ring[0]); got != 8192 {
		t.Errorf("16 kHz ring %d frames, want 8192", got)
	}
}

// TestRecorderMixesSourcesOfOneStream: four senders multiplexed on one stream (their own SSRCs,
// timestamps and sequence numbers, packets interleaved and jittered) are each placed by their
// own anchor and summed on the stream's channel, with no loss counted; the caller's channel is untouched.
func TestRecorderMixesSourcesOfOneStream(t *testing.T) {
	const n, senders = 50, 4
	var buf bytes.Buffer
	r := newTestRecorder(t, &buf)
	r.Start(t0)
	caller := r.AddStream(Left, pcmu())
	others := r.AddStream(Right, pcmu())
	sc := audiotest.MuLawSignal(n*160, 80)
	sigs := make([][]byte, senders)
	for k := range sigs {
		// At an eighth of full scale, so that no partial sum saturates: the sum is then the
		// same in any order of arrival (saturation applies at each addition).
		sigs[k] = audiotest.MuLawSignal(n*160, uint32(81+k))
		for i, c := range sigs[k] {
			sigs[k][i] = audio.MuLawEncode(audio.MuLawDecode(c) / 8)
		}
	}
	var as []arrival
	for i := range n {
		at := t0.Add(time.Duration(i) * ptime)
		as = append(as, arrival{caller, packet(t, 0, uint16(i), uint32(160*i), 1, sc[i*160:(i+1)*160]), at, i})
		for k, sig := range sigs {
			seq, ts := uint16(1000*k+i), uint32(123456*k+160*i)
			// Network jitter of up to 9 ms (none on the first packet, which anchors each
			// source): the audio goes where its timestamps put it, not where it arrived.
			jitter := time.Duration((i*7+k*3)%10) * time.Millisecond
			if i == 0 {
				jitter = 0
			}
			as = append(as, arrival{others, packet(t, 0, seq, ts, uint32(100+k), sig[i*160:(i+1)*160]), at.Add(jitter), i})
		}
	}
	sortArrivals(as)
	play(r, as)
	if err := r.Close(t0.Add(n * ptime)); err != nil {
		t.Fatal(err)
	}
	left, right := readStereo(t, buf.Bytes())
	if len(left) != n*160 || !equalPCM(left, decodeMuLaw(sc)) {
		t.Fatalf("the caller's channel (%d frames) differs from what the caller sent", len(left))
	}
	want := make([]int16, n*160)
	for _, sig := range sigs {
		for i, v := range decodeMuLaw(sig) {
			want[i] = mixSample(want[i], v)
		}
	}
	if len(right) != len(want) {
		t.Fatalf("right channel %d frames, want %d", len(right), len(want))
	}
	for i := range want {
		if right[i] != want[i] {
			t.Fatalf("right frame %d (packet %d) = %d, want the four senders' sum %d", i, i/160, right[i], want[i])
		}
	}
	if st := others.Stats(); st.Lost != 0 || st.Late != 0 || st.Reanchor != 0 || st.Duplicate != 0 {
		t.Errorf("stats %+v: want no loss, lateness, re-anchor or duplicate", st)
	}
}

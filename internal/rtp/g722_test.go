package rtp

import (
	"bytes"
	"github.com/callvault/callvault/internal/audio/audiotest"
	"testing"
	"time"

	"github.com/callvault/callvault/internal/rtp/g722"
)

// TestRecorderMixesG722AndG711 records G.722 on the left and G.711 on the right: at 16 kHz the
// G.722 audio is the decoder's output sample for sample and the G.711 audio is upsampled by
// repetition; at 8 kHz the G.722 audio is decimated by averaging pairs.
func TestRecorderMixesG722AndG711(t *testing.T) {
	const n = 50
	codes := audiotest.MuLawSignal(n*160, 21) // any octets are valid G.722 codewords
	mu := audiotest.MuLawSignal(n*160, 22)
	wide := g722.NewDecoder().Decode(nil, codes)
	for _, rate := range []int{16000, 8000} {
		var buf bytes.Buffer
		r, err := NewRecorder(&buf, RecorderConfig{SampleRate: rate})
		if err != nil {
			t.Fatal(err)
		}
		pm := pcmu()
		pm[9] = EncodingG722
		left, right := r.AddStream(Left, pm), r.AddStream(Right, pm)
		var as []arrival
		for i := range n {
			at := t0.Add(time.Duration(i) * ptime)
			as = append(as, arrival{left, packet(t, 9, uint16(i), uint32(160*i), 1, codes[i*160:(i+1)*160]), at, i})
			as = append(as, arrival{right, packet(t, 0, uint16(i), uint32(160*i), 2, mu[i*160:(i+1)*160]), at, i})
		}
		play(r, as)
		if err := r.Close(t0.Add(n * ptime)); err != nil {
			t.Fatal(err)
		}
		gotL, gotR := readStereo(t, buf.Bytes())
		var wantL, wantR []int16
		switch rate {
		case 16000:
			wantL = wide
			for _, v := range decodeMuLaw(mu) {
				wantR = append(wantR, v, v)
			}
		case 8000:
			for i := 0; i+1 < len(wide); i += 2 {
				wantL = append(wantL, int16((int32(wide[i])+int32(wide[i+1]))>>1))
			}
			wantR = decodeMuLaw(mu)
		}
		if !equalPCM(gotL, wantL) {
			t.Errorf("%d Hz: G.722 channel (%d frames) differs from the decoder's output (%d frames)", rate, len(gotL), len(wantL))
		}
		if !equalPCM(gotR, wantR) {
			t.Errorf("%d Hz: G.711 channel (%d frames) differs from the sent audio (%d frames)", rate, len(gotR), len(wantR))
		}
		if st := left.Stats(); st.Lost != 0 || st.Unknown != 0 || st.Packets != n {
			t.Errorf("%d Hz: G.722 stream stats %+v", rate, st)
		}
	}
}

// TestRecorderG722ResetsOnSSRCChange checks that a new source starts with a fresh decoder: its
// audio is what a new decoder makes of it, not a continuation of the old adaptation.
func TestRecorderG722ResetsOnSSRCChange(t *testing.T) {
	var buf bytes.Buffer
	r, err := NewRecorder(&buf, RecorderConfig{SampleRate: 16000})
	if err != nil {
		t.Fatal(err)
	}
	var pm PayloadMap
	pm[9] = EncodingG722
	s := r.AddStream(Left, pm)
	a, b := audiotest.MuLawSignal(10*160, 23), audiotest.MuLawSignal(10*160, 24)
	var as []arrival
	for i := range 20 {
		at := t0.Add(time.Duration(i) * ptime)
		p := packet(t, 9, uint16(i), uint32(160*i), 7, a[(i%10)*160:(i%10+1)*160])
		if i >= 10 {
			p = packet(t, 9, uint16(500+i), uint32(99999+160*i), 8, b[(i-10)*160:(i-9)*160])
		}
		as = append(as, arrival{s, p, at, i})
	}
	play(r, as)
	if err := r.Close(t0.Add(20 * ptime)); err != nil {
		t.Fatal(err)
	}
	got, _ := readStereo(t, buf.Bytes())
	want := append(g722.NewDecoder().Decode(nil, a), g722.NewDecoder().Decode(nil, b)...)
	if !equalPCM(got, want) {
		t.Errorf("after an SSRC change the G.722 audio is not a fresh decoder's output (%d frames, want %d)", len(got), len(want))
	}
}

package siprec

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/callvault/callvault/internal/audio/audiotest"
)

// TestChannelsOfStreams: which channel each stream's audio goes to, by its senders.
func TestChannelsOfStreams(t *testing.T) {
	tests := []struct {
		file   string
		labels []string
		want   []channel
	}{
		{"rfc7865.xml", []string{"96", "97"}, []channel{channelRight, channelLeft}},
		{"rfc7865_four_senders.xml", []string{"a", "b"}, []channel{channelLeft, channelRight}},
		{"rfc7865_single_mixed.xml", []string{"m"}, []channel{channelBoth}},
		{"mixed.xml", []string{"mixed"}, []channel{channelBoth}},
	}
	for _, tt := range tests {
		m, err := ParseMetadata(readTestdata(t, tt.file))
		if err != nil {
			t.Fatal(err)
		}
		var got []channel
		for _, l := range tt.labels {
			got = append(got, m.channelFor(l))
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: channels %v, want %v", tt.file, got, tt.want)
		}
	}
}

// TestStreamOfFourSendersKeepsTheCallersChannel: a two-stream call whose second stream is sent
// by four participants (the called user's devices, a conference leg) keeps the caller's channel
// sample-exact against what the caller sent; the second stream is the other channel.
func TestStreamOfFourSendersKeepsTheCallersChannel(t *testing.T) {
	h := startHarness(t, nil)
	u := newUAC(t, h, "four-senders-1")
	if code := u.invite(sdpOffer("sendonly", "a", "b"), string(readTestdata(t, "rfc7865_four_senders.xml"))); code != 200 {
		t.Fatalf("INVITE: %d", code)
	}
	u.ack(1)
	a := <-h.sessions
	sent := [][]byte{audiotest.MuLawSignal(50*160, 71), audiotest.MuLawSignal(50*160, 72)}
	times := sendRTP(t, a.ports, sent, nil, never)
	waitPackets(t, h, a.callID, 100)
	if code := u.request("BYE", 2, "", ""); code != 200 {
		t.Fatalf("BYE: %d", code)
	}
	st := waitStored(t, h)
	checkChannel(t, "left (the caller)", st.left, decodeMuLawPCM(sent[0]), times.leadIn(a, 8000))
	checkChannel(t, "right (the four senders)", st.right, decodeMuLawPCM(sent[1]), times.leadIn(a, 8000))
	if got := st.rec.Attributes["channel_layout"]; got != layoutSplit {
		t.Errorf("channel_layout %q, want %q", got, layoutSplit)
	}
}

// TestSingleMixedStreamOnBothChannels: a session whose one stream is sent and received by its
// only participant (a mixed recording) has that audio on both channels, and says so.
func TestSingleMixedStreamOnBothChannels(t *testing.T) {
	h := startHarness(t, nil)
	u := newUAC(t, h, "single-mixed-1")
	if code := u.invite(sdpOffer("sendonly", "m"), string(readTestdata(t, "rfc7865_single_mixed.xml"))); code != 200 {
		t.Fatalf("INVITE: %d", code)
	}
	u.ack(1)
	a := <-h.sessions
	sent := audiotest.MuLawSignal(50*160, 73)
	times := sendRTP(t, a.ports, [][]byte{sent}, nil, never)
	waitPackets(t, h, a.callID, 50)
	if code := u.request("BYE", 2, "", ""); code != 200 {
		t.Fatalf("BYE: %d", code)
	}
	st := waitStored(t, h)
	checkChannel(t, "left", st.left, decodeMuLawPCM(sent), times.leadIn(a, 8000))
	checkChannel(t, "right", st.right, decodeMuLawPCM(sent), times.leadIn(a, 8000))
	if got := st.rec.Attributes["channel_layout"]; got != layoutMixed {
		t.Errorf("channel_layout %q, want %q", got, layoutMixed)
	}
}

// TestMediaStoppingBeforeByeKeepsTheCallsLength: media that stops 2 s before the BYE is padded
// to the BYE, so that the recording has the call's full length, and ended_at - started_at is
// the audio's length.
func TestMediaStoppingBeforeByeKeepsTheCallsLength(t *testing.T) {
	h := startHarness(t, nil)
	u := newUAC(t, h, "trailing-1")
	if code := u.invite(sdpOffer("sendonly", "1", "2"), string(readTestdata(t, "legacy_oracle.xml"))); code != 200 {
		t.Fatalf("INVITE: %d", code)
	}
	u.ack(1)
	a := <-h.sessions
	sent := [][]byte{audiotest.MuLawSignal(25*160, 74), audiotest.MuLawSignal(25*160, 75)}
	times := sendRTP(t, a.ports, sent, nil, never)
	waitPackets(t, h, a.callID, 50)
	<-time.After(time.Until(times.last.Add(2 * time.Second))) // the call goes on, silent, for 2 s
	byeSent := time.Now()
	if code := u.request("BYE", 2, "", ""); code != 200 {
		t.Fatalf("BYE: %d", code)
	}
	byeDone := time.Now()
	st := waitStored(t, h)
	length := time.Duration(len(st.left)) * time.Second / 8000
	end := a.start.Add(length)
	if end.Before(byeSent.Add(-time.Millisecond)) || end.After(byeDone.Add(time.Millisecond)) {
		t.Errorf("the recording lasts %v and ends %v before the BYE was sent: want it to last until the BYE",
			length, byeSent.Sub(end))
	}
	if d := st.rec.EndedAt.Sub(st.rec.StartedAt) - length; d.Abs() > time.Millisecond {
		t.Errorf("ended_at - started_at = %v, audio %v", st.rec.EndedAt.Sub(st.rec.StartedAt), length)
	}
	if !st.rec.StartedAt.Equal(a.start) {
		t.Errorf("started_at %v, want the recording's origin %v", st.rec.StartedAt, a.start)
	}
	checkChannel(t, "left", st.left, decodeMuLawPCM(sent[0]), times.leadIn(a, 8000))
}

// checkPaddedToBye checks that a channel at rate whose audio ends at frame audioEnd is padded
// with silence to the client's BYE, which was sent no earlier than byeAfter and answered by
// byeBy (the recording started at start).
func checkPaddedToBye(t *testing.T, ch []int16, rate, audioEnd int, start, byeAfter, byeBy time.Time) {
	t.Helper()
	if audioEnd > len(ch) {
		t.Errorf("recording has %d frames, fewer than its %d of audio", len(ch), audioEnd)
		return
	}
	for i := audioEnd; i < len(ch); i++ {
		if ch[i] != 0 {
			t.Errorf("frame %d after the audio (which ends at %d) is not silence", i, audioEnd)
			break
		}
	}
	end := start.Add(time.Duration(len(ch)) * time.Second / time.Duration(rate))
	// byeBy is when the test saw sipp finish; the server pads to the BYE as it handles it, in
	// whole packets, so the end may lie up to one packet (20 ms) past what the test saw.
	if end.Before(byeAfter.Add(-time.Millisecond)) || end.After(byeBy.Add(20*time.Millisecond)) {
		t.Errorf("recording ends %v after its start, want it padded to the BYE (%v .. %v after the start)",
			end.Sub(start), byeAfter.Sub(start), byeBy.Sub(start))
	}
}

// TestSingleSenderOnlyStreamIsMixed: a session whose one stream is sent by its only
// participant, with no receive association (an emergency-call recorder naming just the
// operator), is a mixed recording too: both channels, not the left alone.
func TestSingleSenderOnlyStreamIsMixed(t *testing.T) {
	doc := strings.Replace(string(readTestdata(t, "rfc7865_single_mixed.xml")), "<recv>bWl4ZWQtb25l</recv>", "", 1)
	m, err := ParseMetadata([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Streams) != 1 || len(m.Participants) != 1 || len(m.Participants[0].Recv) != 0 {
		t.Fatalf("fixture edit failed: %d streams, participants %+v", len(m.Streams), m.Participants)
	}
	if got := m.channelFor("m"); got != channelBoth {
		t.Errorf("channel %v, want both", got)
	}
}

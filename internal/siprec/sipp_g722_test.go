package siprec

import (
	"fmt"
	"github.com/callvault/callvault/internal/audio/audiotest"
	"strings"
	"testing"
	"time"

	"github.com/callvault/callvault/internal/rtp/g722"
)

// sdpOfferFormats returns an SDP offer with one m-line per label offering formats (payload
// types, in order of preference) and telephone events as 101.
func sdpOfferFormats(dir, formats string, labels ...string) string {
	var b strings.Builder
	b.WriteString("v=0\no=SBC 1 1 IN IP4 127.0.0.1\ns=-\nc=IN IP4 127.0.0.1\nt=0 0\n")
	for i, l := range labels {
		fmt.Fprintf(&b, "m=audio %d RTP/AVP %s 101\na=rtpmap:9 G722/8000\na=rtpmap:101 telephone-event/8000\na=label:%s\na=%s\n", 30000+2*i, formats, l, dir)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// findAligned returns the offset in ch at which want starts (want's first 320 samples matched
// exactly within the first max frames), or -1.
func findAligned(ch, want []int16, maxOff int) int {
	for off := 0; off <= maxOff && off+320 <= len(ch); off++ {
		if equalSamples(ch[off:off+320], want[:320]) {
			return off
		}
	}
	return -1
}

func equalSamples(a, b []int16) bool {
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

// TestSIPRECG722 records a call whose two streams are G.722: the recording is 16 kHz stereo and
// each channel is, sample for sample, what the G.722 decoder makes of the octets sent.
func TestSIPRECG722(t *testing.T) {
	sippPath(t)
	h := startHarness(t, nil)
	wait := runSipp(t, h, scenario{Name: "g722", SDP: sdpOfferFormats("sendonly", "9 0", "1", "2"),
		Metadata: string(readTestdata(t, "legacy_oracle.xml")), Steps: []step{{Pause: 2000}}})
	a := waitSession(t, h)
	const packets = 75
	sent := [][]byte{audiotest.MuLawSignal(packets*160, 31), audiotest.MuLawSignal(packets*160, 32)} // any octets are G.722 codewords
	times := sendRTPType(t, 9, a.ports, sent, nil, never)
	wait()
	byeBy := time.Now()
	st := waitStored(t, h)
	if st.rec.SampleRate != 16000 || st.rec.Channels != 2 {
		t.Fatalf("format %d Hz %d channels, want 16000 Hz stereo", st.rec.SampleRate, st.rec.Channels)
	}
	for i, ch := range [][]int16{st.left, st.right} { // legacy_oracle.xml: the first stream is the caller's
		want := g722.NewDecoder().Decode(nil, sent[i])
		off := findAligned(ch, want, times.leadIn(a, 16000))
		if off < 0 {
			t.Errorf("channel %d does not start with the decoded G.722 audio within the lead-in", i)
			continue
		}
		checkPaddedToBye(t, ch, 16000, off+packets*320, a.start, a.start.Add(2*time.Second), byeBy) // sipp's BYE: 2 s after its ACK
		if len(ch)-off < len(want) || !equalSamples(ch[off:off+len(want)], want) {
			t.Errorf("channel %d differs from the decoded G.722 audio", i)
		}
	}
	if st.rec.Attributes["rtp_lost"] != "0" || st.rec.Attributes["rtp_packets"] != fmt.Sprint(2*packets) {
		t.Errorf("rtp_packets %q rtp_lost %q, want %d and 0", st.rec.Attributes["rtp_packets"], st.rec.Attributes["rtp_lost"], 2*packets)
	}
}

package siprec

import (
	"strings"
	"testing"
)

// TestOfferWithoutTimingIsRecorded: an offer as the OpenSIPS siprec module sends it (no t=
// line, c= only per m-line), with LF-only line ends in the SDP and the multipart body, trailing
// spaces and unknown attributes, is answered 200 (audio codec first) and its audio is recorded
// on the channels the metadata gives.
func TestOfferWithoutTimingIsRecorded(t *testing.T) {
	h := startHarness(t, nil)
	u := newUAC(t, h, "no-timing-1")
	sdp := "v=0\no=- 3912 3912 IN IP4 127.0.0.1 \ns=siprec\n" +
		"m=audio 30000 RTP/AVP 0 101 \nc=IN IP4 127.0.0.1\na=rtpmap:101 telephone-event/8000\na=x-opensips:1\na=sendonly\na=label:1\n" +
		"m=audio 30002 RTP/AVP 0 101\nc=IN IP4 127.0.0.1\na=rtpmap:101 telephone-event/8000\na=sendonly\na=label:2\n"
	body := strings.ReplaceAll(multipartBody(sdp, string(readTestdata(t, "legacy_oracle.xml"))), "\r\n", "\n") // LF-only throughout
	u.send("INVITE", 1, "", "", "multipart/mixed;boundary=b", body)
	code, m := u.final("INVITE", 1)
	if code != 200 {
		t.Fatalf("INVITE without t= and with only media-level c=: %d, want 200", code)
	}
	if !strings.Contains(m, "m=audio ") || strings.Contains(m, "RTP/AVP 101 ") {
		t.Errorf("answer does not list the audio codec first:\n%s", m)
	}
	u.toTag = headerParam(m, "To", "tag")
	u.ack(1)
	a := <-h.sessions
	sent := talk(t, h, a, 10)
	if code := u.request("BYE", 2, "", ""); code != 200 {
		t.Fatalf("BYE: %d", code)
	}
	st := waitStored(t, h)
	checkChannel(t, "left", st.left, decodeMuLawPCM(sent[0]), len(st.left))
	checkChannel(t, "right", st.right, decodeMuLawPCM(sent[1]), len(st.right))
}

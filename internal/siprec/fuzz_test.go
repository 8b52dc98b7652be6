package siprec

import (
	"strings"
	"testing"

	"github.com/callvault/callvault"
)

func FuzzParseMetadata(f *testing.F) {
	for _, name := range []string{"rfc7865.xml", "legacy_oracle.xml", "sonus.xml", "broadworks.xml", "mixed.xml", "rfc7865_transfer_partial.xml",
		"webex_broadworks.xml", "metaswitch.xml", "oracle_avaya.xml"} {
		f.Add(readTestdata(f, name))
	}
	f.Add([]byte(`<recording xmlns="urn:ietf:params:xml:ns:recording:1"><participant/><stream/></recording>`))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := ParseMetadata(b)
		if err != nil {
			return
		}
		// Whatever parses must be usable by the server without panicking.
		var base Metadata
		base.Merge(m)
		m.channelFor("1")
		var rec callvault.Recording
		m.applyTo(&rec, "GB")
		if !rec.Direction.Valid() {
			t.Fatalf("applyTo gave direction %q", rec.Direction)
		}
		rec.Subjects()
		newUnrecorded([]string{"4999"}, "GB").matchMetadata(m, "GB")
	})
}

func FuzzBodyAndSDP(f *testing.F) {
	sdp := sdpOffer("sendonly", "1", "2")
	f.Add("multipart/mixed;boundary=b", []byte(multipartBody(sdp, string(readTestdata(f, "mixed.xml")))))
	f.Add("application/sdp", []byte(sdp))
	f.Add("multipart/mixed; boundary=\"x\"", []byte("--x\r\nContent-Type: application/sdp\r\n\r\nv=0\r\n--x--"))
	f.Fuzz(func(t *testing.T, ct string, b []byte) {
		bd, err := parseBody(ct, b)
		if err != nil || bd.sdp == nil {
			return
		}
		offer, err := parseOffer(bd.sdp)
		if err != nil {
			return
		}
		ports := make([]int, len(offer))
		for i := range ports {
			ports[i] = 20000 + 2*i
		}
		answerSDP(1, 1, "127.0.0.1", offer, ports, false)
		assignChannels(offer, nil)
	})
}

// FuzzParseOffer: whatever the lenient reader takes gives an answer with one m-line per offered
// one, and every accepted format lists an audio codec first.
func FuzzParseOffer(f *testing.F) {
	f.Add([]byte(sdpOffer("sendonly", "1", "2")))
	f.Add([]byte("v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nm=audio 20000 RTP/AVP 101 8\nc=IN IP4 192.0.2.1\na=rtpmap:101 telephone-event/8000\na=label:0\n"))
	f.Add([]byte("m=audio 30008/2 rtp/avp 0\r\nc=IN IP6 ::\r\nm=video 0 RTP/AVP 96\r\nm=audio bogus\r\na=rtpmap:96\r\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		offer, err := parseOffer(b)
		if err != nil && offer == nil {
			return
		}
		ports := make([]int, len(offer))
		for i := range ports {
			ports[i] = 20000 + 2*i
		}
		answer := string(answerSDP(1, 1, "127.0.0.1", offer, ports, false))
		if n := strings.Count(answer, "\r\nm="); n != len(offer) {
			t.Fatalf("answer has %d m-lines for %d offered", n, len(offer))
		}
		for _, o := range offer {
			if len(o.accept) > 0 && !o.payloads[atoiPT(o.accept[0])].Audio() {
				t.Fatalf("accepted formats %q do not start with an audio codec", o.accept)
			}
		}
	})
}

package siprec

import (
	"testing"
)

func FuzzParseMetadata(f *testing.F) {
	for _, name := range []string{"rfc7865.xml", "legacy_oracle.xml", "sonus.xml", "broadworks.xml", "mixed.xml", "rfc7865_transfer_partial.xml"} {
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

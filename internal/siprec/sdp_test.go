package siprec

import (
	"strings"
	"testing"

	"github.com/callvault/callvault"
)

func TestAnswerOffersG722(t *testing.T) {
	tests := []struct {
		name, formats, rtpmaps string
		wantM                  string
		wantMaps               []string
		wide                   bool
	}{
		{"G.722 first", "9 0 101", "a=rtpmap:101 telephone-event/8000\r\n", "RTP/AVP 9 0 101", []string{"9 G722/8000", "0 PCMU/8000", "101 telephone-event/8000"}, true},
		{"G.711 first", "8 9", "", "RTP/AVP 8 9", []string{"8 PCMA/8000", "9 G722/8000"}, false},
		{"events before G.722", "101 9", "a=rtpmap:101 telephone-event/8000\r\n", "RTP/AVP 9 101", []string{"9 G722/8000", "101 telephone-event/8000"}, true},
		{"G722 by rtpmap", "98", "a=rtpmap:98 G722/8000\r\n", "RTP/AVP 98", []string{"98 G722/8000"}, true},
		{"G722 at 16000 is not RFC 3551", "98 0", "a=rtpmap:98 G722/16000\r\n", "RTP/AVP 0", []string{"0 PCMU/8000"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sdp := "v=0\r\no=SBC 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 30000 RTP/AVP " +
				tt.formats + "\r\n" + tt.rtpmaps + "a=sendonly\r\n"
			offer, err := parseOffer([]byte(sdp))
			if err != nil {
				t.Fatal(err)
			}
			if got := offer[0].wideband(); got != tt.wide {
				t.Errorf("wideband %v, want %v", got, tt.wide)
			}
			answer := string(answerSDP(1, 1, "127.0.0.1", offer, []int{40000}, false))
			if !strings.Contains(answer, "m=audio 40000 "+tt.wantM+"\r\n") {
				t.Errorf("answer lacks m=audio 40000 %s:\n%s", tt.wantM, answer)
			}
			for _, m := range tt.wantMaps {
				if !strings.Contains(answer, "a=rtpmap:"+m+"\r\n") {
					t.Errorf("answer lacks a=rtpmap:%s:\n%s", m, answer)
				}
			}
		})
	}
}

// TestAnswerListsAudioBeforeEvents: in every m-line of the answer the audio codecs come first,
// in the offer's order, then telephone-event and comfort noise, however the offer ordered them.
func TestAnswerListsAudioBeforeEvents(t *testing.T) {
	offer := "v=0\r\no=SBC 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n" +
		"m=audio 30000 RTP/AVP 101 13 8 0\r\na=rtpmap:101 telephone-event/8000\r\na=label:1\r\na=sendonly\r\n" +
		"m=audio 30002 RTP/AVP 100 0\r\na=rtpmap:100 telephone-event/8000\r\na=fmtp:100 0-15\r\na=label:2\r\na=sendonly\r\n"
	o, err := parseOffer([]byte(offer))
	if err != nil {
		t.Fatal(err)
	}
	answer := string(answerSDP(1, 1, "127.0.0.1", o, []int{40000, 40002}, false))
	for _, want := range []string{"m=audio 40000 RTP/AVP 8 0 101 13\r\n", "m=audio 40002 RTP/AVP 0 100\r\n"} {
		if !strings.Contains(answer, want) {
			t.Errorf("answer lacks %q:\n%s", want, answer)
		}
	}
	for _, want := range []string{"a=rtpmap:8 PCMA/8000\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\na=rtpmap:13 CN/8000\r\n"} {
		if !strings.Contains(answer, want) {
			t.Errorf("answer lacks the rtpmaps in format order %q:\n%s", want, answer)
		}
	}
}

// TestLenientSDP: offers as session recording clients send them in the field, each recordable
// although a strict RFC 4566 parser refuses it, and what is made of each.
func TestLenientSDP(t *testing.T) {
	tests := []struct {
		name     string
		sdp      string
		addrs    []string // connection address per m-line ("" for none)
		inactive []bool
		accept   []string // accepted formats per m-line, space-separated
		labels   []string
	}{
		{
			// The OpenSIPS siprec module: no t= line, c= only on each m-line.
			name: "no t= and only media-level c=",
			sdp: "v=0\r\no=- 1 1 IN IP4 192.0.2.10\r\ns=-\r\n" +
				"m=audio 20000 RTP/AVP 8 0 101\r\nc=IN IP4 192.0.2.10\r\na=rtpmap:101 telephone-event/8000\r\na=sendonly\r\na=label:0\r\n" +
				"m=audio 20002 RTP/AVP 8 0 101\r\nc=IN IP4 192.0.2.11\r\na=rtpmap:101 telephone-event/8000\r\na=sendonly\r\na=label:1\r\n",
			addrs: []string{"192.0.2.10", "192.0.2.11"}, inactive: []bool{false, false},
			accept: []string{"8 0 101", "8 0 101"}, labels: []string{"0", "1"},
		},
		{
			name: "LF line ends, extra spaces, unknown lines and attributes",
			sdp: "v=0\no=SBC 2 2 IN IP4 192.0.2.20  \ns=Session SIP/SDP\n\n  c=IN  IP4   192.0.2.20 \nb=AS:64\nt=0 0\nz=0 0\n" +
				"m=audio   30000  RTP/AVP   0   18  101\n a=rtpmap:0 PCMU/8000 \na=rtpmap:18 G729/8000\na=fmtp:18 annexb=no\n" +
				"a=rtpmap:101\ttelephone-event/8000\na=ptime:20\na=x-vendor-thing:42\na=label: 7 \na=sendonly\nx=whatever\n",
			addrs: []string{"192.0.2.20"}, inactive: []bool{false}, accept: []string{"0 101"}, labels: []string{"7"},
		},
		{
			name:  "no c= at all: media taken from the signalling peer",
			sdp:   "v=0\r\no=- 3 3 IN IP4 192.0.2.30\r\ns=-\r\nm=audio 30000 RTP/AVP 0\r\na=sendonly\r\n",
			addrs: []string{""}, inactive: []bool{false}, accept: []string{"0"}, labels: []string{""},
		},
		{
			name: "media-level c= overrides the session's; a held and a removed stream",
			sdp: "v=0\r\no=- 4 4 IN IP4 192.0.2.40\r\ns=-\r\nc=IN IP4 192.0.2.40\r\nt=0 0\r\n" +
				"m=audio 30000 RTP/AVP 0\r\nc=IN IP4 0.0.0.0\r\na=label:1\r\n" +
				"m=audio 0 RTP/AVP 0\r\na=label:2\r\n" +
				"m=audio 30004 rtp/avp 9\r\nc=IN IP6 2001:db8::1\r\na=label:3\r\n" +
				"m=video 30006 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n" +
				"m=audio 30008/2 RTP/AVP 0\r\nc=IN IP4 233.252.0.1/127\r\n" +
				"m=audio bogus\r\n",
			addrs:    []string{"", "192.0.2.40", "2001:db8::1", "192.0.2.40", "", "192.0.2.40"},
			inactive: []bool{true, true, false, false, false, true},
			accept:   []string{"0", "", "9", "", "0", ""}, labels: []string{"1", "2", "3", "", "", ""},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			offer, err := parseOffer([]byte(tt.sdp))
			if err != nil {
				t.Fatalf("parseOffer: %v", err)
			}
			if len(offer) != len(tt.addrs) {
				t.Fatalf("%d m-lines, want %d", len(offer), len(tt.addrs))
			}
			for i, o := range offer {
				addr := ""
				if o.addr.IsValid() {
					addr = o.addr.String()
				}
				if addr != tt.addrs[i] || o.inactive != tt.inactive[i] || strings.Join(o.accept, " ") != tt.accept[i] || o.label != tt.labels[i] {
					t.Errorf("m-line %d: addr %q inactive %v accept %q label %q; want %q %v %q %q",
						i, addr, o.inactive, strings.Join(o.accept, " "), o.label, tt.addrs[i], tt.inactive[i], tt.accept[i], tt.labels[i])
				}
			}
			ports := make([]int, len(offer))
			for i := range ports {
				ports[i] = 40000 + 2*i
			}
			answer := string(answerSDP(1, 1, "127.0.0.1", offer, ports, false))
			if got := strings.Count(answer, "\r\nm="); got != len(offer) {
				t.Errorf("answer has %d m-lines for %d offered:\n%s", got, len(offer), answer)
			}
		})
	}
}

// TestSDPRefused: only an offer that leaves nothing to record is refused.
func TestSDPRefused(t *testing.T) {
	tests := []struct {
		name, sdp string
		kind      callvault.Kind
	}{
		{"empty", "", callvault.KindInvalid},
		{"not SDP", "hello world", callvault.KindInvalid},
		{"no readable m-line", "v=0\r\nm=audio", callvault.KindInvalid},
		{"no m-line", "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n", callvault.KindInvalid},
		{"too many m-lines", "v=0\r\n" + strings.Repeat("m=audio 30000 RTP/AVP 0\r\n", maxMediaLines+1), callvault.KindInvalid},
		{"too many lines", "v=0\r\nm=audio 30000 RTP/AVP 0\r\n" + strings.Repeat("a=x\r\n", maxSDPLines), callvault.KindInvalid},
		{"no codec the recorder takes", "v=0\r\nm=audio 30000 RTP/AVP 18\r\na=rtpmap:18 G729/8000\r\n", callvault.KindUnsupported},
		{"events alone", "v=0\r\nm=audio 30000 RTP/AVP 101\r\na=rtpmap:101 telephone-event/8000\r\n", callvault.KindUnsupported},
		{"encrypted media", "v=0\r\nc=IN IP4 192.0.2.1\r\nm=audio 30000 RTP/SAVP 0\r\n", callvault.KindUnsupported},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseOffer([]byte(tt.sdp))
			if !callvault.IsKind(err, tt.kind) {
				t.Errorf("parseOffer error %v, want kind %v", err, tt.kind)
			}
		})
	}
}

package siprec

import (
	"strings"
	"testing"
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
		{"events before G.722", "101 9", "a=rtpmap:101 telephone-event/8000\r\n", "RTP/AVP 101 9", []string{"9 G722/8000"}, true},
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

package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestLivePauseOfASharedSessionID: two live calls whose metadata carries one recording session
// id cannot be paused by that id (409, the answer naming both Call-IDs), only by Call-ID.
func TestLivePauseOfASharedSessionID(t *testing.T) {
	s := startServer(t, "", "--sip", "127.0.0.1:0", "--media-ip", "127.0.0.1", "--rtp-ports", e2eRTPPorts)
	meta, err := os.ReadFile(filepath.Join("testdata", "siprec_rfc7865.xml"))
	if err != nil {
		t.Fatal(err)
	}
	sdp := "v=0\r\no=SBC 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n" +
		"m=audio 30000 RTP/AVP 0\r\na=label:96\r\na=sendonly\r\nm=audio 30002 RTP/AVP 0\r\na=label:97\r\na=sendonly\r\n"
	body := "--b\r\nContent-Type: application/sdp\r\n\r\n" + sdp + "\r\n--b\r\nContent-Type: application/rs-metadata+xml\r\n\r\n" +
		string(meta) + "\r\n--b--\r\n"
	for _, callID := range []string{"shared-1@sbc", "shared-2@sbc"} {
		c, err := net.Dial("udp", s.main.SIP.UDPAddr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		local := c.LocalAddr().String()
		fmt.Fprintf(c, "INVITE sip:srs@%s SIP/2.0\r\nVia: SIP/2.0/UDP %s;branch=z9hG4bK-%s\r\nFrom: <sip:src@%s>;tag=f1\r\nTo: <sip:srs@%s>\r\n"+
			"Call-ID: %s\r\nCSeq: 1 INVITE\r\nMax-Forwards: 70\r\nContact: <sip:src@%s>;+sip.src\r\nRequire: siprec\r\n"+
			"Content-Type: multipart/mixed;boundary=b\r\nContent-Length: %d\r\n\r\n%s",
			s.main.SIP.UDPAddr(), local, callID, local, s.main.SIP.UDPAddr(), callID, local, len(body), body)
		buf := make([]byte, 65535)
		for code := 0; code < 200; {
			c.SetReadDeadline(time.Now().Add(10 * time.Second))
			n, err := c.Read(buf)
			if err != nil {
				t.Fatalf("INVITE %s: %v", callID, err)
			}
			fmt.Sscanf(string(buf[:n]), "SIP/2.0 %d", &code)
			if code >= 200 && code != 200 {
				t.Fatalf("INVITE %s: %d", callID, code)
			}
			if code == 200 {
				to := ""
				for _, l := range strings.Split(string(buf[:n]), "\r\n") {
					if strings.HasPrefix(l, "To:") {
						to = l
					}
				}
				fmt.Fprintf(c, "ACK sip:srs@%s SIP/2.0\r\nVia: SIP/2.0/UDP %s;branch=z9hG4bK-ack-%s\r\nFrom: <sip:src@%s>;tag=f1\r\n%s\r\n"+
					"Call-ID: %s\r\nCSeq: 1 ACK\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n", s.main.SIP.UDPAddr(), local, callID, local, to, callID)
			}
		}
	}
	token := createToken(t, s.data, "recorder", "sbc")
	req, _ := http.NewRequest("POST", s.url+"/api/v1/live/hVpd7YQgRW2nD22h7q60JQ==/pause", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	problem, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusConflict || !strings.Contains(string(problem), "shared-1@sbc") || !strings.Contains(string(problem), "shared-2@sbc") {
		t.Errorf("pause by a session id two live calls share: %d %s, want 409 naming both Call-IDs", resp.StatusCode, problem)
	}
	for _, l := range s.main.SIP.Live() {
		if l.Paused {
			t.Errorf("%s paused by an ambiguous request", l.CallID)
		}
	}
	if code := live(t, s, token, "shared-2@sbc", "pause"); code != http.StatusOK {
		t.Errorf("pause by Call-ID: %d, want 200", code)
	}
}

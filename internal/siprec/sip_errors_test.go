package siprec

import (
	"fmt"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// sipRequest sends one raw SIP request over UDP and returns the status of the final response.
func sipRequest(t *testing.T, h *harness, method, callID, extra, contentType, body string) int {
	t.Helper()
	c, err := net.Dial("udp", h.srv.UDPAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	local := c.LocalAddr().String()
	toTag := ""
	if method == "BYE" {
		toTag = ";tag=nosuchdialog"
	}
	msg := fmt.Sprintf("%s sip:srs@%s SIP/2.0\r\nVia: SIP/2.0/UDP %s;branch=z9hG4bK%d\r\nFrom: <sip:src@127.0.0.1>;tag=a1\r\n"+
		"To: <sip:srs@127.0.0.1>%s\r\nCall-ID: %s\r\nCSeq: 1 %s\r\nMax-Forwards: 70\r\nContact: <sip:src@%s>\r\n%s",
		method, h.srv.UDPAddr(), local, time.Now().UnixNano(), toTag, callID, method, local, extra)
	if body != "" {
		msg += "Content-Type: " + contentType + "\r\n"
	}
	msg += fmt.Sprintf("Content-Length: %d\r\n\r\n%s", len(body), body)
	if _, err := c.Write([]byte(msg)); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 65535)
	for {
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		n, err := c.Read(buf)
		if err != nil {
			t.Fatalf("%s %s: no response: %v", method, callID, err)
		}
		var code int
		fmt.Sscanf(string(buf[:n]), "SIP/2.0 %d", &code)
		if code >= 200 {
			return code
		}
	}
}

func multipartBody(sdp, meta string) string {
	return "--b\r\nContent-Type: application/sdp\r\n\r\n" + sdp + "\r\n--b\r\nContent-Type: application/rs-metadata+xml\r\n\r\n" + meta + "\r\n--b--\r\n"
}

func TestSIPRejections(t *testing.T) {
	h := startHarness(t, func(c *Config) { c.MaxBodyBytes = 8 << 10 })
	sdp := strings.ReplaceAll(sdpOffer("sendonly", "96", "97"), "\n", "\r\n")
	meta := string(readTestdata(t, "rfc7865.xml"))
	const mp = "multipart/mixed;boundary=b"
	tests := []struct {
		name, method, extra, ctype, body string
		want                             int
	}{
		{"options keep-alive", "OPTIONS", "", "", "", 200},
		{"unsupported Require", "INVITE", "Require: siprec, 100rel\r\n", mp, multipartBody(sdp, meta), 420},
		{"not a recording session", "INVITE", "", "application/sdp", sdp, 421},
		{"no usable codec", "INVITE", "Require: siprec\r\n", mp, multipartBody(strings.ReplaceAll(sdp, "RTP/AVP 0 8 101", "RTP/AVP 18"), meta), 488},
		{"SRTP only", "INVITE", "Require: siprec\r\n", mp, multipartBody(strings.ReplaceAll(sdp, "RTP/AVP", "RTP/SAVP"), meta), 488},
		{"no SDP", "INVITE", "Require: siprec\r\n", "application/rs-metadata+xml", meta, 488},
		{"malformed SDP", "INVITE", "Require: siprec\r\n", mp, multipartBody("v=0\r\nm=audio", meta), 400},
		{"malformed metadata", "INVITE", "Require: siprec\r\n", mp, multipartBody(sdp, "<recording"), 400},
		{"multipart without boundary", "INVITE", "Require: siprec\r\n", "multipart/mixed", multipartBody(sdp, meta), 400},
		{"unsupported body type", "INVITE", "Require: siprec\r\n", "text/plain", "hello", 415},
		{"body over the limit", "INVITE", "Require: siprec\r\n", mp, multipartBody(sdp, meta+strings.Repeat(" ", 9<<10)), 513},
		{"BYE for no dialog", "BYE", "", "", "", 481},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := sipRequest(t, h, tt.method, fmt.Sprintf("reject-%d", i), tt.extra, tt.ctype, tt.body); got != tt.want {
				t.Errorf("status %d, want %d", got, tt.want)
			}
		})
	}
	if h.archive.count() != 0 {
		t.Errorf("%d recordings stored from rejected requests", h.archive.count())
	}
}

func TestSIPAllowList(t *testing.T) {
	h := startHarness(t, func(c *Config) { c.AllowFrom = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")} })
	sdp := strings.ReplaceAll(sdpOffer("sendonly", "1"), "\n", "\r\n")
	c, err := net.Dial("udp", h.srv.UDPAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	msg := rawInvite(t, h, c.LocalAddr().String(), "allow-1")
	if _, err := c.Write([]byte(msg)); err != nil {
		t.Fatal(err)
	}
	// Dropped unread and unanswered: no reflection, nothing parsed.
	waitErrors(t, h, errForbidden, 1)
	if h.errorCount(t, errMalformed) != 0 || len(h.srv.Live()) != 0 {
		t.Errorf("a datagram from outside the allow-list was parsed or taken")
	}
	_ = sdp
}

func TestServerClosePausesAndFinalises(t *testing.T) {
	h := startHarness(t, nil)
	sdp := strings.ReplaceAll(sdpOffer("sendonly", "96", "97"), "\n", "\r\n")
	if got := sipRequest(t, h, "INVITE", "close-1", "Require: siprec\r\n", "multipart/mixed;boundary=b",
		multipartBody(sdp, string(readTestdata(t, "rfc7865.xml")))); got != 200 {
		t.Fatalf("INVITE status %d, want 200", got)
	}
	<-h.sessions
	if err := h.srv.Pause(t.Context(), "hVpd7YQgRW2nD22h7q60JQ==", "user:alice"); err != nil {
		t.Fatalf("Pause by RFC 7865 session id: %v", err)
	}
	if err := h.srv.Resume(t.Context(), "close-1", "user:alice"); err != nil {
		t.Fatalf("Resume by Call-ID: %v", err)
	}
	if err := h.srv.Pause(t.Context(), "nope", "user:alice"); err == nil {
		t.Error("Pause of an unknown session succeeded")
	}
	h.srv.Close()
	st := waitStored(t, h)
	if st.rec.Attributes["end_reason"] != endShutdown || !strings.Contains(st.rec.Attributes["pauses"], `"by":"user:alice"`) {
		t.Errorf("attributes %v: want end_reason shutdown and the API pause", st.rec.Attributes)
	}
}

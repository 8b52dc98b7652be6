package siprec

import (
	"fmt"
	"net"
	"strings"
	"testing"
	"time"
)

// TestUnacknowledgedInviteIsRetransmittedThenByed sends an INVITE and never acknowledges the
// 200 OK: the server must retransmit it, give up after 64*T1, store nothing, and send a BYE
// within the dialog (To tag = the 200 OK's, CSeq its own, Reason given).
func TestUnacknowledgedInviteIsRetransmittedThenByed(t *testing.T) {
	h := startHarness(t, nil)
	h.srv.t1 = 50 * time.Millisecond // gives up after 3.2 s
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	local := c.LocalAddr().String()
	sdp := strings.ReplaceAll(sdpOffer("sendonly", "1", "2"), "\n", "\r\n")
	body := multipartBody(sdp, string(readTestdata(t, "legacy_oracle.xml")))
	const callID = "noack-1"
	msg := fmt.Sprintf("INVITE sip:srs@%s SIP/2.0\r\nVia: SIP/2.0/UDP %s;branch=z9hG4bKnoack1\r\nFrom: <sip:src@127.0.0.1>;tag=src1\r\n"+
		"To: <sip:srs@127.0.0.1>\r\nCall-ID: %s\r\nCSeq: 1 INVITE\r\nMax-Forwards: 70\r\nContact: <sip:src@%s>;+sip.src\r\n"+
		"Require: siprec\r\nContent-Type: multipart/mixed;boundary=b\r\nContent-Length: %d\r\n\r\n%s",
		h.srv.UDPAddr(), local, callID, local, len(body), body)
	if _, err := c.WriteTo([]byte(msg), h.srv.UDPAddr()); err != nil {
		t.Fatal(err)
	}
	oks, toTag := 0, ""
	var bye string
	buf := make([]byte, 65535)
	for bye == "" {
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		n, from, err := c.ReadFrom(buf)
		if err != nil {
			t.Fatalf("after %d 200 OKs, no BYE: %v", oks, err)
		}
		m := string(buf[:n])
		switch {
		case strings.HasPrefix(m, "SIP/2.0 200"):
			oks++
			toTag = headerParam(m, "To", "tag")
		case strings.HasPrefix(m, "BYE "):
			bye = m
			reply := "SIP/2.0 200 OK\r\n" + header(m, "Via") + header(m, "From") + header(m, "To") + header(m, "Call-ID") + header(m, "CSeq") + "Content-Length: 0\r\n\r\n"
			c.WriteTo([]byte(reply), from)
		}
	}
	if oks < 3 {
		t.Errorf("200 OK sent %d times, want the first and retransmissions until 64*T1", oks)
	}
	if got := headerParam(bye, "From", "tag"); got == "" || got != toTag {
		t.Errorf("BYE From tag %q, want the 200 OK's To tag %q", got, toTag)
	}
	if got := headerParam(bye, "To", "tag"); got != "src1" {
		t.Errorf("BYE To tag %q, want src1", got)
	}
	if !strings.Contains(header(bye, "Call-ID"), callID) || header(bye, "Reason") == "" {
		t.Errorf("BYE lacks the Call-ID or a Reason:\n%s", bye)
	}
	h.srv.Close() // waits for the aborted ingest
	if h.archive.count() != 0 {
		t.Errorf("%d recordings stored for a session never acknowledged, want 0", h.archive.count())
	}
}

// header returns the header line name of a SIP message (with CRLF), or "".
func header(msg, name string) string {
	for _, line := range strings.Split(msg, "\r\n") {
		if k, _, ok := strings.Cut(line, ":"); ok && strings.EqualFold(strings.TrimSpace(k), name) {
			return line + "\r\n"
		}
	}
	return ""
}

// headerParam returns a parameter of a header of a SIP message.
func headerParam(msg, name, param string) string {
	h := strings.TrimSpace(header(msg, name))
	for _, p := range strings.Split(h, ";")[1:] {
		if k, v, _ := strings.Cut(p, "="); strings.TrimSpace(k) == param {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

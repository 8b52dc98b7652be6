package siprec

import (
	"fmt"
	"net"
	"strings"
	"testing"
	"time"
)

// rawInvite is an INVITE of a recording session as text, for tests that break one part of it.
func rawInvite(t *testing.T, h *harness, local, callID string) string {
	t.Helper()
	body := multipartBody(crlf(sdpOffer("sendonly", "96", "97")), string(readTestdata(t, "rfc7865.xml")))
	return fmt.Sprintf("INVITE sip:srs@%s SIP/2.0\r\nVia: SIP/2.0/UDP %s;branch=z9hG4bK-%d\r\nFrom: <sip:src@127.0.0.1>;tag=m1\r\n"+
		"To: <sip:srs@127.0.0.1>\r\nCall-ID: %s\r\nCSeq: 1 INVITE\r\nMax-Forwards: 70\r\nContact: <sip:src@%s>;+sip.src\r\n"+
		"Require: siprec\r\nContent-Type: multipart/mixed;boundary=b\r\nContent-Length: %d\r\n\r\n%s",
		h.srv.UDPAddr(), local, time.Now().UnixNano(), callID, local, len(body), body)
}

// sendRaw sends msg over UDP from c and returns the status of the final response, or 0 if none
// came within wait.
func sendRaw(t *testing.T, c net.Conn, msg string, wait time.Duration) int {
	t.Helper()
	if _, err := c.Write([]byte(msg)); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 65535)
	for {
		c.SetReadDeadline(time.Now().Add(wait))
		n, err := c.Read(buf)
		if err != nil {
			return 0
		}
		var code int
		fmt.Sscanf(string(buf[:n]), "SIP/2.0 %d", &code)
		if code >= 200 {
			return code
		}
	}
}

// TestMalformedInvitesGet400: an INVITE that breaks RFC 3261's rules on its mandatory parts is
// refused with 400, and no session is created.
func TestMalformedInvitesGet400(t *testing.T) {
	h := startHarness(t, nil)
	tests := []struct {
		name string
		edit func(msg string) string
	}{
		{"no Call-ID", func(m string) string { return removeHeader(m, "Call-ID") }},
		{"empty Call-ID", func(m string) string { return replaceHeader(m, "Call-ID", "") }},
		{"CSeq method differs", func(m string) string { return replaceHeader(m, "CSeq", "1 BYE") }},
		{"no CSeq", func(m string) string { return removeHeader(m, "CSeq") }},
		{"SIP/3.0", func(m string) string { return strings.Replace(m, " SIP/2.0\r\n", " SIP/3.0\r\n", 1) }},
		{"negative Content-Length", func(m string) string {
			return replaceHeader(m, "Content-Length", "-5")
		}},
		{"no From tag", func(m string) string { return replaceHeader(m, "From", "<sip:src@127.0.0.1>") }},
		{"no Via", func(m string) string { return removeHeader(m, "Via") }},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := net.Dial("udp", h.srv.UDPAddr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			msg := tt.edit(rawInvite(t, h, c.LocalAddr().String(), fmt.Sprintf("malformed-%d", i)))
			if got := sendRaw(t, c, msg, 3*time.Second); got != 400 && !(got == 0 && tt.name == "no Via") {
				t.Errorf("status %d, want 400", got)
			}
			if live := h.srv.Live(); len(live) != 0 {
				t.Errorf("live sessions %+v after a malformed INVITE", live)
			}
		})
	}
	// The well-formed INVITE is taken: the edits above are what is refused.
	c, err := net.Dial("udp", h.srv.UDPAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if got := sendRaw(t, c, rawInvite(t, h, c.LocalAddr().String(), "wellformed-1"), 5*time.Second); got != 200 {
		t.Errorf("well-formed INVITE: status %d, want 200", got)
	}
}

func removeHeader(msg, name string) string {
	head, body, _ := strings.Cut(msg, "\r\n\r\n")
	lines := strings.Split(head, "\r\n")
	out := lines[:1]
	for _, l := range lines[1:] {
		if !strings.HasPrefix(strings.ToLower(l), strings.ToLower(name)+":") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\r\n") + "\r\n\r\n" + body
}

func replaceHeader(msg, name, value string) string {
	head, body, _ := strings.Cut(msg, "\r\n\r\n")
	lines := strings.Split(head, "\r\n")
	for i, l := range lines {
		if strings.HasPrefix(strings.ToLower(l), strings.ToLower(name)+":") {
			lines[i] = name + ": " + value
		}
	}
	return strings.Join(lines, "\r\n") + "\r\n\r\n" + body
}

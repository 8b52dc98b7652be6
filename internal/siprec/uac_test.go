package siprec

import (
	"fmt"

	"github.com/callvault/callvault/internal/audio/audiotest"
	"net"
	"strings"
	"testing"
	"time"
)

// uac is a recording client speaking raw SIP over UDP, for tests that need requests sipp
// cannot time (a CANCEL before the answer, a re-INVITE while an ACK is due) or that sipp would
// not send (wrong tags, CSeq out of order).
type uac struct {
	t       *testing.T
	c       *net.UDPConn
	server  net.Addr
	callID  string
	fromTag string
	toTag   string        // the server's tag, from its 200 OK
	msgs    chan string   // every message received
	done    chan struct{} // closed when the reader has stopped
}

// newUAC returns a client on ip (127.0.0.1 unless given) for a new call.
func newUAC(t *testing.T, h *harness, callID string, ip ...string) *uac {
	t.Helper()
	addr := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)}
	if len(ip) > 0 {
		addr.IP = net.ParseIP(ip[0])
	}
	c, err := net.ListenUDP("udp", addr)
	if err != nil {
		t.Skipf("cannot bind %v: %v", addr.IP, err)
	}
	u := &uac{t: t, c: c, server: h.srv.UDPAddr(), callID: callID, fromTag: "uac1", msgs: make(chan string, 64), done: make(chan struct{})}
	go func() {
		defer close(u.done)
		buf := make([]byte, 65535)
		for {
			n, err := c.Read(buf)
			if err != nil {
				return
			}
			u.msgs <- string(buf[:n])
		}
	}()
	t.Cleanup(func() { c.Close(); <-u.done })
	return u
}

// send sends a request of the call. toTag is the server's tag ("" for the initial INVITE and
// its CANCEL); branch names the transaction ("" for a new one).
func (u *uac) send(method string, cseq int, toTag, branch, contentType, body string) {
	u.t.Helper()
	if branch == "" {
		branch = fmt.Sprintf("z9hG4bK-%s-%d-%s-%d", u.callID, cseq, method, time.Now().UnixNano())
	}
	local := u.c.LocalAddr().String()
	to := ""
	if toTag != "" {
		to = ";tag=" + toTag
	}
	msg := fmt.Sprintf("%s sip:srs@%s SIP/2.0\r\nVia: SIP/2.0/UDP %s;branch=%s\r\nFrom: <sip:src@%s>;tag=%s\r\n"+
		"To: <sip:srs@%s>%s\r\nCall-ID: %s\r\nCSeq: %d %s\r\nMax-Forwards: 70\r\nContact: <sip:src@%s>;+sip.src\r\n",
		method, u.server, local, branch, local, u.fromTag, u.server, to, u.callID, cseq, method, local)
	if method == "INVITE" || method == "UPDATE" {
		msg += "Require: siprec\r\n"
	}
	if body != "" {
		msg += "Content-Type: " + contentType + "\r\n"
	}
	msg += fmt.Sprintf("Content-Length: %d\r\n\r\n%s", len(body), body)
	if _, err := u.c.WriteTo([]byte(msg), u.server); err != nil {
		u.t.Fatal(err)
	}
}

// next returns the next message received that satisfies ok; requests from the server (its
// BYE) are answered 200 on the way.
func (u *uac) next(what string, ok func(msg string) bool) string {
	u.t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case m := <-u.msgs:
			if strings.HasPrefix(m, "BYE ") {
				reply := "SIP/2.0 200 OK\r\n" + header(m, "Via") + header(m, "From") + header(m, "To") + header(m, "Call-ID") + header(m, "CSeq") + "Content-Length: 0\r\n\r\n"
				u.c.WriteTo([]byte(reply), u.server)
			}
			if ok(m) {
				return m
			}
		case <-timeout:
			u.t.Fatalf("%s: nothing received within 10 s", what)
			return ""
		}
	}
}

// final returns the status of the final response to the request with CSeq "cseq method".
func (u *uac) final(method string, cseq int) (int, string) {
	u.t.Helper()
	want := fmt.Sprintf("%d %s", cseq, method)
	m := u.next("response to "+want, func(m string) bool {
		var code int
		fmt.Sscanf(m, "SIP/2.0 %d", &code)
		return code >= 200 && strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(header(m, "CSeq")), "CSeq:")) == want
	})
	var code int
	fmt.Sscanf(m, "SIP/2.0 %d", &code)
	return code, m
}

// request sends an in-dialog request and returns the final status.
func (u *uac) request(method string, cseq int, contentType, body string) int {
	u.t.Helper()
	u.send(method, cseq, u.toTag, "", contentType, body)
	code, _ := u.final(method, cseq)
	return code
}

// invite sends the initial INVITE with the given SDP and metadata and returns its status,
// keeping the server's tag. It does not acknowledge it.
func (u *uac) invite(sdp, metadata string) int {
	u.t.Helper()
	u.send("INVITE", 1, "", "", "multipart/mixed;boundary=b", multipartBody(crlf(sdp), metadata))
	code, m := u.final("INVITE", 1)
	if code == 200 {
		u.toTag = headerParam(m, "To", "tag")
	}
	return code
}

func (u *uac) ack(cseq int) { u.send("ACK", cseq, u.toTag, "", "", "") }

func crlf(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\n", "\r\n")
}

// waitPackets waits until the session's streams have taken, or discarded as foreign, want
// packets in all: the readers have caught up with what the test sent.
func waitPackets(t *testing.T, h *harness, callID string, want int64) {
	t.Helper()
	ss := h.srv.lookup(callID)
	if ss == nil {
		t.Fatalf("no session %s", callID)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		var got int64
		ss.mu.Lock()
		for _, m := range ss.media {
			if m.stream != nil {
				st := m.stream.Stats()
				got += st.Packets + st.Foreign
			}
		}
		ss.mu.Unlock()
		if got >= want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server has handled %d of %d packets after 10 s", got, want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// talk sends n packets of audio on each of the session's streams and waits until the server
// has taken them.
func talk(t *testing.T, h *harness, a answered, n int) [][]byte {
	t.Helper()
	sent := make([][]byte, len(a.ports))
	for i := range sent {
		sent[i] = audiotest.MuLawSignal(n*160, uint32(40+i))
	}
	sendRTP(t, a.ports, sent, nil, never)
	waitPackets(t, h, a.callID, int64(n*len(a.ports)))
	return sent
}

// waitAcked waits until the server has seen the ACK of the session's pending INVITE (UDP and
// sipgo's per-message goroutines give no order between an ACK and the next request).
func waitAcked(t *testing.T, h *harness, callID string) {
	t.Helper()
	ss := h.srv.lookup(callID)
	deadline := time.Now().Add(10 * time.Second)
	for {
		ss.mu.Lock()
		done := ss.invitePend.IsZero()
		ss.mu.Unlock()
		if done {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the server did not see the ACK within 10 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

package siprec

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/callvault/callvault"
)

// waitErrors waits until errors_total{kind} reaches want.
func waitErrors(t *testing.T, h *harness, kind string, want float64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := h.errorCount(t, kind)
		if got >= want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("errors_total{kind=%q} is %v after 10 s, want %v", kind, got, want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (h *harness) errorCount(t *testing.T, kind string) float64 {
	t.Helper()
	mfs, err := h.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "callvault_siprec_errors_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "kind" && l.GetValue() == kind {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	return 0
}

// lockedBuffer is a log destination safe for the server's goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestRefusedMessagesAreNotLogged: a message the parser refuses is answered 400 and logged as
// one JSON line with its source, size and reason, never its content (the metadata's names and
// numbers); a flood of bad datagrams writes a bounded number of lines.
func TestRefusedMessagesAreNotLogged(t *testing.T) {
	logs := &lockedBuffer{}
	h := startHarness(t, func(c *Config) {
		c.Logger = slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	var clockMu sync.Mutex
	clock := time.Unix(1_800_000_000, 0)
	h.srv.logLimit.setClock(func() time.Time {
		clockMu.Lock()
		defer clockMu.Unlock()
		return clock
	})
	c, err := net.Dial("udp", h.srv.UDPAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	bad := replaceHeader(rawInvite(t, h, c.LocalAddr().String(), "leak-1"), "Content-Length", "-1")
	if got := sendRaw(t, c, bad, 5*time.Second); got != 400 {
		t.Fatalf("INVITE with a negative Content-Length: status %d, want 400", got)
	}
	garbage := []byte("INVITE sip:+447700900123@srs SIP/2.0\r\nFrom: Alice Customer <sip:+447700900123@pbx>\r\nbroken header line\r\n\r\n")
	const flood = 1000
	for i := range flood {
		if _, err := c.Write(garbage); err != nil {
			t.Fatal(err)
		}
		if i%50 == 49 { // in batches, so that the socket's buffer drops none
			waitErrors(t, h, errMalformed, float64(i+2))
		}
	}
	if got := strings.Count(logs.String(), `"msg":"siprec: SIP message refused"`); got != refusalLogBurst {
		t.Errorf("%d log lines for %d refused messages at one instant, want %d", got, flood+1, refusalLogBurst)
	}
	// A second later, the next refusal is logged with the count of those left out.
	clockMu.Lock()
	clock = clock.Add(time.Second)
	clockMu.Unlock()
	if _, err := c.Write(garbage); err != nil {
		t.Fatal(err)
	}
	waitErrors(t, h, errMalformed, flood+2)
	out := logs.String()
	if want := fmt.Sprintf(`"suppressed":%d`, flood+1-refusalLogBurst); !strings.Contains(out, want) {
		t.Errorf("no line says %s:\n%s", want, firstLines(out, 3))
	}
	for _, secret := range []string{"Alice", "447700900123", "Bob Agent", "broken header"} {
		if strings.Contains(out, secret) {
			t.Errorf("the log holds %q from a refused message", secret)
		}
	}
	if !strings.Contains(out, `"source":"127.0.0.1:`) || !strings.Contains(out, `"size":`) || !strings.Contains(out, `"reason":"`) {
		t.Errorf("refusal lines without source, size and reason:\n%s", firstLines(out, 5))
	}
}

func firstLines(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	return strings.Join(lines[:min(n, len(lines))], "\n")
}

// TestInDialogRequestsFromAnotherAddress: without an allow-list, a BYE or re-INVITE carrying a
// dialog's Call-ID and tags from another address is refused (403) and the call keeps recording.
func TestInDialogRequestsFromAnotherAddress(t *testing.T) {
	h := startHarness(t, nil)
	u := newUAC(t, h, "hijack-1")
	if code := u.invite(sdpOffer("sendonly", "1", "2"), string(readTestdata(t, "legacy_oracle.xml"))); code != 200 {
		t.Fatalf("INVITE: %d", code)
	}
	u.ack(1)
	talk(t, h, <-h.sessions, 5)
	waitAcked(t, h, "hijack-1")

	other := newUAC(t, h, "hijack-1", "127.0.0.2")
	other.fromTag, other.toTag = u.fromTag, u.toTag
	if code := other.request("BYE", 2, "", ""); code != 403 {
		t.Errorf("BYE with the dialog's tags from another address: %d, want 403", code)
	}
	if code := other.request("INVITE", 3, "application/sdp", crlf(sdpOffer("inactive", "1", "2"))); code != 403 {
		t.Errorf("re-INVITE from another address: %d, want 403", code)
	}
	if live := h.srv.Live(); len(live) != 1 || live[0].Paused {
		t.Fatalf("live sessions %+v: the call must go on recording, unpaused", live)
	}
	talk(t, h, answered{callID: "hijack-1", ports: h.srv.Live()[0].Ports}, 5)
	if code := u.request("BYE", 4, "", ""); code != 200 {
		t.Fatalf("BYE from the dialog's own address: %d", code)
	}
	if st := waitStored(t, h); st.rec.Attributes["end_reason"] != endBYE {
		t.Errorf("attributes %v, want end_reason bye", st.rec.Attributes)
	}
}

// TestPauseBySharedSessionID: when two live calls carry one RFC 7865 session id, a pause by
// that id is a conflict naming both Call-IDs, and pauses neither; by Call-ID it works.
func TestPauseBySharedSessionID(t *testing.T) {
	h := startHarness(t, nil)
	meta := string(readTestdata(t, "rfc7865.xml"))
	for _, id := range []string{"shared-a", "shared-b"} {
		u := newUAC(t, h, id)
		if code := u.invite(sdpOffer("sendonly", "96", "97"), meta); code != 200 {
			t.Fatalf("INVITE %s: %d", id, code)
		}
		u.ack(1)
		<-h.sessions
	}
	err := h.srv.Pause(t.Context(), "hVpd7YQgRW2nD22h7q60JQ==", "user:alice")
	if !callvault.IsKind(err, callvault.KindConflict) || !strings.Contains(err.Error(), "shared-a") || !strings.Contains(err.Error(), "shared-b") {
		t.Fatalf("Pause by a shared session id: %v, want a conflict naming shared-a and shared-b", err)
	}
	for _, l := range h.srv.Live() {
		if l.Paused {
			t.Errorf("%s paused by an ambiguous request", l.CallID)
		}
	}
	if err := h.srv.Pause(t.Context(), "shared-b", "user:alice"); err != nil {
		t.Fatalf("Pause by Call-ID: %v", err)
	}
}

// TestUnackedFloodDoesNotStarveOthers: a peer that sends INVITEs and never acknowledges the
// answers holds at most MaxPendingPerSource sessions, so another peer's call still gets 200
// while the RTP ports last; and its sessions are released after AckTimeout, not 32 s.
func TestUnackedFloodDoesNotStarveOthers(t *testing.T) {
	base := 31000 + 2*rand.IntN(800) // below the ephemeral ports, which other tests take
	h := startHarness(t, func(c *Config) {
		c.RTPPortMin, c.RTPPortMax = base, base+23 // 12 pairs: 6 two-stream calls
		c.MaxPendingPerSource = 4
		c.AckTimeout = 500 * time.Millisecond
	})
	meta := string(readTestdata(t, "legacy_oracle.xml"))
	ok, busy := 0, 0
	for i := range 20 {
		u := newUAC(t, h, fmt.Sprintf("flood-%d", i), "127.0.0.2")
		switch code := u.invite(sdpOffer("sendonly", "1", "2"), meta); code {
		case 200:
			ok++
		case 503:
			busy++
		default:
			t.Fatalf("flood INVITE %d: %d", i, code)
		}
	}
	if ok > 4 {
		t.Errorf("%d unacknowledged sessions from one address, want at most 4", ok)
	}
	real := newUAC(t, h, "real-1")
	if code := real.invite(sdpOffer("sendonly", "1", "2"), meta); code != 200 {
		t.Fatalf("a real call during the flood: %d, want 200", code)
	}
	real.ack(1)
	// The flood's sessions are released after AckTimeout (the janitor sends them BYE).
	deadline := time.Now().Add(5 * time.Second)
	for len(h.srv.Live()) > 1 {
		if time.Now().After(deadline) {
			t.Fatalf("live sessions %+v 5 s into the flood, want only the real call", h.srv.Live())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if live := h.srv.Live(); len(live) != 1 || live[0].CallID != "real-1" {
		t.Errorf("live sessions %+v, want only real-1", live)
	}
}

// TestStalledTCPConnectionsAreClosed: 50 connections that send half a message, or a header
// announcing a body they never send, are all closed within MessageTimeout, while a real call
// over TCP succeeds. A source over MaxConnsPerSource has its extra connection closed at once,
// and one outside the allow-list never gets a SIP answer.
func TestStalledTCPConnectionsAreClosed(t *testing.T) {
	const timeout = 500 * time.Millisecond
	h := startHarness(t, func(c *Config) {
		c.MessageTimeout = timeout
		c.MaxConnsPerSource = 60
	})
	addr := h.srv.TCPAddr().String()
	dial := func(ip string) net.Conn {
		t.Helper()
		d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
		c, err := d.Dial("tcp", addr)
		if err != nil {
			t.Skipf("cannot dial from %s: %v", ip, err)
		}
		return c
	}
	type result struct {
		i   int
		err error
	}
	closed := make(chan result, 50)
	start := time.Now()
	for i := range 50 {
		c := dial("127.0.0.2")
		defer c.Close()
		if i%2 == 0 {
			fmt.Fprintf(c, "INVITE sip:srs@%s SIP/2.0\r\nVia: SIP/2.0/TCP %s;branch=z9hG4bK-stall-%d\r\nFrom: <sip:src@x>;tag=1\r\n", addr, c.LocalAddr(), i)
		} else {
			fmt.Fprintf(c, "OPTIONS sip:srs@%s SIP/2.0\r\nVia: SIP/2.0/TCP %s;branch=z9hG4bK-stall-%d\r\nFrom: <sip:src@x>;tag=1\r\nTo: <sip:srs@x>\r\n"+
				"Call-ID: stall-%d\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 1000\r\n\r\nabc", addr, c.LocalAddr(), i, i)
		}
		go func() {
			c.SetReadDeadline(time.Now().Add(20 * time.Second))
			_, err := io.Copy(io.Discard, c)
			closed <- result{i, err}
		}()
	}

	// A real call over TCP, while the stalled connections are open.
	call := startTCPCall(t, h, dial("127.0.0.1"), "tcp-real-1")
	a := waitSession(t, h)
	sendRTP(t, a.ports, [][]byte{make([]byte, 160*10), make([]byte, 160*10)}, nil, never)

	for range 50 {
		r := <-closed
		if ne, ok := r.err.(net.Error); ok && ne.Timeout() {
			t.Fatalf("stalled connection %d still open after 20 s", r.i)
		}
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("stalled connections closed after %v, want about %v", d, timeout)
	}
	// The real call's connection outlived them: its BYE comes over it.
	call.bye()
	if st := waitStored(t, h); st.rec.Attributes["sip_call_id"] != "tcp-real-1" {
		t.Errorf("stored %v, want the TCP call", st.rec.Attributes)
	}
	if h.errorCount(t, errConnTimeout) < 50 {
		t.Errorf("errors_total{kind=conn_timeout} = %v, want 50", h.errorCount(t, errConnTimeout))
	}
}

// tcpCall is a recording session set up over one TCP connection.
type tcpCall struct {
	sc      *sipConn
	uri, to string
	common  func(cseq string) []string
}

// startTCPCall sends an INVITE over c, checks the 200 OK and acknowledges it.
func startTCPCall(t *testing.T, h *harness, c net.Conn, callID string) *tcpCall {
	t.Helper()
	sc := &sipConn{t: t, c: c, r: bufio.NewReader(c), local: c.LocalAddr().String()}
	call := &tcpCall{sc: sc, uri: "sip:srs@" + h.srv.TCPAddr().String()}
	call.common = func(cseq string) []string {
		return []string{"Via: SIP/2.0/TCP " + sc.local + ";branch=z9hG4bK" + callvault.NewID()[24:],
			"From: <sip:src@" + sc.local + ">;tag=tcp1", "Call-ID: " + callID, "CSeq: " + cseq, "Max-Forwards: 70"}
	}
	body := multipartBody(crlf(sdpOffer("sendonly", "96", "97")), string(readTestdata(t, "rfc7865.xml")))
	sc.send("INVITE "+call.uri+" SIP/2.0", append(call.common("1 INVITE"), "To: <"+call.uri+">", "Contact: <sip:src@"+sc.local+";transport=tcp>;+sip.src",
		"Require: siprec", "Content-Type: multipart/mixed;boundary=b"), []byte(body))
	res := sc.response()
	if res.code != 200 {
		t.Fatalf("INVITE over TCP: %d, want 200", res.code)
	}
	call.to = res.header.Get("To")
	sc.send("ACK "+call.uri+" SIP/2.0", append(call.common("1 ACK"), "To: "+call.to), nil)
	return call
}

// bye ends the call over its connection and checks the 200 OK.
func (c *tcpCall) bye() {
	c.sc.t.Helper()
	c.sc.send("BYE "+c.uri+" SIP/2.0", append(c.common("2 BYE"), "To: "+c.to), nil)
	if res := c.sc.response(); res.code != 200 {
		c.sc.t.Fatalf("BYE over TCP: %d, want 200", res.code)
	}
}

// TestIdleTCPConnectionKeptForItsDialog: IdleTimeout closes a connection without a live
// dialog, but not the one a live call was set up over: its in-dialog requests must come over
// it (over another connection they get 403).
func TestIdleTCPConnectionKeptForItsDialog(t *testing.T) {
	h := startHarness(t, func(c *Config) { c.IdleTimeout = 200 * time.Millisecond })
	addr := h.srv.TCPAddr().String()
	callConn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer callConn.Close()
	call := startTCPCall(t, h, callConn, "tcp-idle-1")
	a := waitSession(t, h)
	sendRTP(t, a.ports, [][]byte{make([]byte, 160*10), make([]byte, 160*10)}, nil, never)
	// Another connection, opened after the call's last message, sends one and falls idle: once
	// the server has closed it, the call's connection has been idle longer than IdleTimeout.
	other, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	fmt.Fprintf(other, "OPTIONS sip:srs@%s SIP/2.0\r\nVia: SIP/2.0/TCP %s;branch=z9hG4bKidle\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:srs@x>\r\nCall-ID: idle-1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n", addr, other.LocalAddr())
	other.SetReadDeadline(time.Now().Add(10 * time.Second))
	if got, err := io.ReadAll(other); err != nil || !strings.HasPrefix(string(got), "SIP/2.0 200") {
		t.Fatalf("idle connection: read %q, %v; want the OPTIONS answered, then closed", got, err)
	}
	waitErrors(t, h, errConnTimeout, 1)
	// The dialog's BYE over another connection from the same address is refused.
	second, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	sc2 := &sipConn{t: t, c: second, r: bufio.NewReader(second), local: second.LocalAddr().String()}
	sc2.send("BYE "+call.uri+" SIP/2.0", append(call.common("2 BYE"), "To: "+call.to), nil)
	if res := sc2.response(); res.code != 403 {
		t.Errorf("the dialog's BYE over another connection: %d, want 403", res.code)
	}
	// The forged BYE carried the call's Via. Had sipgo seen it, it would route the dialog's
	// answers to the second connection, and with that one closed the real BYE would go
	// unanswered: the gate refuses it before sipgo.
	second.Close()
	call.bye()
	if st := waitStored(t, h); st.rec.Attributes["end_reason"] != endBYE {
		t.Errorf("attributes %v, want end_reason bye", st.rec.Attributes)
	}
}

// TestTCPLimits: a message whose body is over MaxBodyBytes is answered 513 and its connection
// closed; a connection beyond MaxConnsPerSource from one address is closed at once; one from
// outside the allow-list is closed unanswered.
func TestTCPLimits(t *testing.T) {
	h := startHarness(t, func(c *Config) {
		c.MaxBodyBytes = 4 << 10
		c.MaxConnsPerSource = 2
		c.AllowFrom = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("127.0.0.3/32")}
	})
	addr := h.srv.TCPAddr().String()
	dial := func(ip string) net.Conn {
		t.Helper()
		d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
		c, err := d.Dial("tcp", addr)
		if err != nil {
			t.Skipf("cannot dial from %s: %v", ip, err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	c := dial("127.0.0.1")
	sc := &sipConn{t: t, c: c, r: bufio.NewReader(c), local: c.LocalAddr().String()}
	sc.send("INVITE sip:srs@"+addr+" SIP/2.0", []string{"Via: SIP/2.0/TCP " + sc.local + ";branch=z9hG4bKbig", "From: <sip:a@b>;tag=1",
		"To: <sip:srs@x>", "Call-ID: big-1", "CSeq: 1 INVITE", "Max-Forwards: 70", "Content-Type: application/sdp"}, bytes.Repeat([]byte("x"), 5<<10))
	if res := sc.response(); res.code != 513 {
		t.Errorf("INVITE with a 5 KiB body over a 4 KiB limit: %d, want 513", res.code)
	}
	if _, err := io.Copy(io.Discard, c); err != nil {
		t.Errorf("the connection after a 513: %v, want it closed", err)
	}

	first, second := dial("127.0.0.3"), dial("127.0.0.3")
	defer first.Close()
	defer second.Close()
	third := dial("127.0.0.3")
	third.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := third.Read(make([]byte, 1)); !errors.Is(err, io.EOF) && !isReset(err) {
		t.Errorf("third connection from one address: %v, want it closed", err)
	}
	waitErrors(t, h, errTooMany, 1)

	outside := dial("127.0.0.2")
	fmt.Fprintf(outside, "OPTIONS sip:srs@%s SIP/2.0\r\nVia: SIP/2.0/TCP %s;branch=z9hG4bKout\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:srs@x>\r\nCall-ID: out-1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n", addr, outside.LocalAddr())
	outside.SetReadDeadline(time.Now().Add(10 * time.Second))
	if got, err := io.ReadAll(outside); len(got) > 0 || (err != nil && !isReset(err)) {
		t.Errorf("connection from outside the allow-list: read %q, %v; want it closed unanswered", got, err)
	}
}

func isReset(err error) bool {
	return err != nil && strings.Contains(err.Error(), "connection reset")
}

// TestLargeUDPMessage: a 40 KB INVITE over UDP (over sipgo's default 32 KiB read buffer) is
// taken whole.
func TestLargeUDPMessage(t *testing.T) {
	h := startHarness(t, nil)
	c, err := net.Dial("udp", h.srv.UDPAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	meta := string(readTestdata(t, "rfc7865.xml"))
	pad := "<!-- " + strings.Repeat("p", 40<<10) + " -->"
	meta = strings.Replace(meta, "?>", "?>"+pad, 1)
	body := multipartBody(crlf(sdpOffer("sendonly", "96", "97")), meta)
	msg := fmt.Sprintf("INVITE sip:srs@%s SIP/2.0\r\nVia: SIP/2.0/UDP %s;branch=z9hG4bK-big\r\nFrom: <sip:src@127.0.0.1>;tag=m1\r\n"+
		"To: <sip:srs@127.0.0.1>\r\nCall-ID: big-udp-1\r\nCSeq: 1 INVITE\r\nMax-Forwards: 70\r\nContact: <sip:src@%s>;+sip.src\r\n"+
		"Require: siprec\r\nContent-Type: multipart/mixed;boundary=b\r\nContent-Length: %d\r\n\r\n%s",
		h.srv.UDPAddr(), c.LocalAddr(), c.LocalAddr(), len(body), body)
	if len(msg) < 40<<10 {
		t.Fatalf("message of %d bytes, want over 40 KiB", len(msg))
	}
	if got := sendRaw(t, c, msg, 5*time.Second); got != 200 {
		t.Errorf("INVITE of %d bytes over UDP: %d, want 200", len(msg), got)
	}
}

// TestStalledTLSHandshakeIsClosed: a connection to the TLS port that starts a handshake and
// stalls is closed after MessageTimeout.
func TestStalledTLSHandshakeIsClosed(t *testing.T) {
	cert, _ := selfSigned(t)
	h := startHarness(t, func(c *Config) {
		c.UDPAddr, c.TCPAddr = "", ""
		c.TLSAddr = "127.0.0.1:0"
		c.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		c.MessageTimeout = 300 * time.Millisecond
	})
	c, err := net.Dial("tcp", h.srv.TLSAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write([]byte{0x16, 0x03, 0x01, 0x02}) // the start of a ClientHello record
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, err = io.Copy(io.Discard, c)
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatal("a stalled TLS handshake was kept open for 10 s")
	}
	waitErrors(t, h, errConnTimeout, 1)
}

// TestTCPFramingAgreesWithSipgo: the gate frames a stream by Content-Length, and sipgo frames
// again what the gate lets through; if they read a header block differently (two
// Content-Length headers: sipgo takes the last), a message hidden in another's body reaches
// sipgo unchecked. A header block with two Content-Length headers, or a folded one, is refused
// with 400 and the connection closed; nothing hidden in it is answered.
func TestTCPFramingAgreesWithSipgo(t *testing.T) {
	h := startHarness(t, nil)
	addr := h.srv.TCPAddr().String()
	for i, lengths := range []func(n int) string{
		func(n int) string { return fmt.Sprintf("Content-Length: %d\r\nContent-Length: 0\r\n", n) },
		func(n int) string { return fmt.Sprintf("Content-Length: %d\r\nl: 0\r\n", n) },
		func(n int) string { return fmt.Sprintf("X-Folded: a\r\n Content-Length: %d\r\n", n) },
	} {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		local := c.LocalAddr().String()
		// The hidden request breaks a rule the gate enforces (its CSeq names another method).
		hidden := fmt.Sprintf("OPTIONS sip:srs@%s SIP/2.0\r\nVia: SIP/2.0/TCP %s;branch=z9hG4bK-hidden-%d\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:srs@x>\r\n"+
			"Call-ID: smuggled-%d\r\nCSeq: 1 BYE\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n", addr, local, i, i)
		fmt.Fprintf(c, "OPTIONS sip:srs@%s SIP/2.0\r\nVia: SIP/2.0/TCP %s;branch=z9hG4bK-outer-%d\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:srs@x>\r\n"+
			"Call-ID: outer-%d\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\n%s\r\n%s", addr, local, i, i, lengths(len(hidden)), hidden)
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		got, err := io.ReadAll(c)
		if err != nil && !isReset(err) {
			t.Errorf("case %d: %v, want the connection closed", i, err)
		}
		if !strings.HasPrefix(string(got), "SIP/2.0 400") || strings.Contains(string(got), "smuggled-") {
			t.Errorf("case %d: answered %q, want one 400 and nothing for the hidden request", i, got)
		}
	}
}

package siprec

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"github.com/callvault/callvault/internal/audio/audiotest"
	"io"
	"math/big"
	"net"
	"net/textproto"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/callvault/callvault"
)

// selfSigned returns a server certificate for 127.0.0.1 and a pool trusting it.
func selfSigned(t testing.TB) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "callvault test SRS"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		IsCA:         true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: cert}, pool
}

// sipConn is a minimal SIP user agent client over one stream connection (TLS here).
type sipConn struct {
	t     testing.TB
	c     net.Conn
	r     *bufio.Reader
	local string // host:port of our end, for Via and Contact
}

type sipResponse struct {
	code   int
	header textproto.MIMEHeader
	body   []byte
}

// send writes a request with the given start line, headers and body.
func (s *sipConn) send(start string, hdrs []string, body []byte) {
	s.t.Helper()
	var b strings.Builder
	b.WriteString(start + "\r\n")
	for _, h := range hdrs {
		b.WriteString(h + "\r\n")
	}
	fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n", len(body))
	s.c.SetWriteDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(s.c, b.String()+string(body)); err != nil {
		s.t.Fatalf("cannot send %q: %v", start, err)
	}
}

// response reads responses until a final one (provisional ones are skipped).
func (s *sipConn) response() sipResponse {
	s.t.Helper()
	for {
		s.c.SetReadDeadline(time.Now().Add(10 * time.Second))
		tp := textproto.NewReader(s.r)
		line, err := tp.ReadLine()
		if err != nil {
			s.t.Fatalf("no SIP response: %v", err)
		}
		f := strings.Fields(line)
		if len(f) < 2 || f[0] != "SIP/2.0" {
			s.t.Fatalf("not a SIP response: %q", line)
		}
		code, _ := strconv.Atoi(f[1])
		hdr, err := tp.ReadMIMEHeader()
		if err != nil {
			s.t.Fatalf("bad response header: %v", err)
		}
		n, _ := strconv.Atoi(hdr.Get("Content-Length"))
		body := make([]byte, n)
		if _, err := io.ReadFull(s.r, body); err != nil {
			s.t.Fatalf("short response body: %v", err)
		}
		if code >= 200 {
			return sipResponse{code, hdr, body}
		}
	}
}

// TestSIPRECOverTLS runs a whole recording session over SIP over TLS (the installed sipp has no
// TLS support, so a small Go client speaks SIP): INVITE with the multipart body, 200 OK, ACK,
// RTP, BYE, 200 OK; the recording is stored with the metadata's parties. A client that speaks
// plain SIP to the TLS port gets no SIP answer.
func TestSIPRECOverTLS(t *testing.T) {
	cert, pool := selfSigned(t)
	h := startHarness(t, func(c *Config) {
		c.UDPAddr, c.TCPAddr = "", ""
		c.TLSAddr = "127.0.0.1:0"
		c.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	})
	addr := h.srv.TLSAddr().String()

	t.Run("plain SIP to the TLS port", func(t *testing.T) {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		fmt.Fprintf(c, "OPTIONS sip:srs@%s SIP/2.0\r\nVia: SIP/2.0/TCP %s;branch=z9hG4bKplain\r\nFrom: <sip:probe@127.0.0.1>;tag=1\r\nTo: <sip:srs@%s>\r\nCall-ID: plain-probe\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n",
			addr, c.LocalAddr(), addr)
		c.SetReadDeadline(time.Now().Add(3 * time.Second))
		got, err := io.ReadAll(c)
		if strings.Contains(string(got), "SIP/2.0") {
			t.Fatalf("plain SIP on the TLS port was answered: %q", got)
		}
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			t.Errorf("the TLS port kept a plain-text connection open (read %q)", got)
		}
	})

	tc, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: pool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12})
	if err != nil {
		t.Fatalf("TLS handshake with the server: %v", err)
	}
	defer tc.Close()
	c := &sipConn{t: t, c: tc, r: bufio.NewReader(tc), local: tc.LocalAddr().String()}
	callID := "tls-" + callvault.NewID()
	from := fmt.Sprintf(`"SBC" <sips:src@%s>;tag=tls1`, c.local)
	uri := "sips:srs@" + addr
	meta := strings.TrimSpace(string(readTestdata(t, "rfc7865.xml")))
	body := "--foobar\r\nContent-Type: application/sdp\r\n\r\n" +
		strings.ReplaceAll(sdpOffer("sendonly", "96", "97"), "\n", "\r\n") + "\r\n" +
		"--foobar\r\nContent-Type: application/rs-metadata+xml\r\nContent-Disposition: recording-session\r\n\r\n" +
		meta + "\r\n--foobar--\r\n"
	common := func(cseq string) []string {
		return []string{
			"Via: SIP/2.0/TLS " + c.local + ";rport;branch=z9hG4bK" + callvault.NewID()[24:],
			"From: " + from, "Call-ID: " + callID, "CSeq: " + cseq, "Max-Forwards: 70",
		}
	}
	c.send("INVITE "+uri+" SIP/2.0", append(common("1 INVITE"),
		"To: <"+uri+">", "Contact: <sips:src@"+c.local+";transport=tls>;+sip.src", "Require: siprec",
		"Content-Type: multipart/mixed;boundary=foobar", "MIME-Version: 1.0"), []byte(body))
	res := c.response()
	if res.code != 200 {
		t.Fatalf("INVITE over TLS got %d, want 200", res.code)
	}
	to := res.header.Get("To")
	if !strings.Contains(to, "tag=") {
		t.Fatalf("200 OK without a To tag: %q", to)
	}
	if ct := res.header.Get("Contact"); !strings.Contains(ct, "sips:") || !strings.Contains(ct, "transport=tls") {
		t.Errorf("Contact %q, want a sips URI with transport=tls", ct)
	}
	if !strings.Contains(string(res.body), "m=audio") {
		t.Errorf("200 OK without an SDP answer: %q", res.body)
	}
	c.send("ACK "+uri+" SIP/2.0", append(common("1 ACK"), "To: "+to), nil)

	a := waitSession(t, h)
	if a.callID != callID {
		t.Fatalf("session %q answered, want %q", a.callID, callID)
	}
	const packets = 25
	sent := [][]byte{audiotest.MuLawSignal(packets*160, 51), audiotest.MuLawSignal(packets*160, 52)}
	times := sendRTP(t, a.ports, sent, nil, never)

	c.send("BYE "+uri+" SIP/2.0", append(common("2 BYE"), "To: "+to), nil)
	if res := c.response(); res.code != 200 {
		t.Fatalf("BYE over TLS got %d, want 200", res.code)
	}
	st := waitStored(t, h)
	if st.rec.Attributes["sip_call_id"] != callID || st.rec.Attributes["end_reason"] != endBYE {
		t.Errorf("attributes %v: want sip_call_id %q and end_reason %s", st.rec.Attributes, callID, endBYE)
	}
	var names, numbers []string
	for _, p := range st.rec.Parties {
		names = append(names, p.Name)
		if p.Number.E164 != "" {
			numbers = append(numbers, p.Number.E164)
		}
	}
	if fmt.Sprint(names) != "[Alice Customer Bob Agent]" || fmt.Sprint(numbers) != "[+447700900123]" {
		t.Errorf("parties %q numbers %q, want the metadata's Alice Customer and Bob Agent (+447700900123)", names, numbers)
	}
	// rfc7865.xml makes the second stream the caller's (left).
	checkChannel(t, "left", st.left, decodeMuLawPCM(sent[1]), times.leadIn(a, 8000))
	checkChannel(t, "right", st.right, decodeMuLawPCM(sent[0]), times.leadIn(a, 8000))
}

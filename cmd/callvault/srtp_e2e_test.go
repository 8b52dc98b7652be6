package main

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/textproto"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	pionrtp "github.com/pion/rtp"
	"github.com/pion/srtp/v3"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/audio"
	"github.com/callvault/callvault/internal/audio/audiotest"
)

// writeSIPCert writes a self-signed certificate for 127.0.0.1 and its key as PEM files and
// returns their paths and a client configuration trusting it.
func writeSIPCert(t *testing.T) (certFile, keyFile string, client *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "callvault SRS"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "sip.pem"), filepath.Join(dir, "sip.key")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600)
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, &tls.Config{RootCAs: pool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}
}

// sipExchange sends one SIP request over c and returns the status and headers of its final
// response.
func sipExchange(t *testing.T, c net.Conn, r *bufio.Reader, msg string) (int, textproto.MIMEHeader) {
	t.Helper()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, msg); err != nil {
		t.Fatal(err)
	}
	if strings.HasPrefix(msg, "ACK ") {
		return 0, nil
	}
	for {
		tp := textproto.NewReader(r)
		line, err := tp.ReadLine()
		if err != nil {
			t.Fatalf("no SIP response: %v", err)
		}
		hdr, err := tp.ReadMIMEHeader()
		if err != nil {
			t.Fatal(err)
		}
		n, _ := strconv.Atoi(hdr.Get("Content-Length"))
		io.CopyN(io.Discard, r, int64(n))
		var code int
		fmt.Sscanf(line, "SIP/2.0 %d", &code)
		if code >= 200 {
			return code, hdr
		}
	}
}

// sipMessage builds a request of the call; to is the To header value.
func sipMessage(method, transport, local, callID string, cseq int, to, extra, body string) string {
	uri := "sip:srs@127.0.0.1"
	return fmt.Sprintf("%s %s SIP/2.0\r\nVia: SIP/2.0/%s %s;branch=z9hG4bK%s\r\nFrom: <sip:sbc@127.0.0.1>;tag=sbc1\r\nTo: %s\r\n"+
		"Call-ID: %s\r\nCSeq: %d %s\r\nMax-Forwards: 70\r\nContact: <sip:sbc@%s;transport=%s>;+sip.src\r\n%sContent-Length: %d\r\n\r\n%s",
		method, uri, transport, local, callvault.NewID()[24:], to, callID, cseq, method, local, strings.ToLower(transport), extra, len(body), body)
}

// TestSRTPEndToEnd: callvault serve --sip-tls ... --sip-require-srtp true records a call whose
// two streams arrive as SRTP keyed by SDES over SIP over TLS, stored encrypted with both
// streams' audio sample for sample; SDES over SIP on UDP and plain RTP are refused with 488.
func TestSRTPEndToEnd(t *testing.T) {
	certFile, keyFile, clientTLS := writeSIPCert(t)
	s := startServer(t, "", "--sip", "127.0.0.1:0", "--sip-tls", "127.0.0.1:0", "--sip-cert", certFile, "--sip-key", keyFile,
		"--sip-require-srtp", "true", "--media-ip", "127.0.0.1", "--rtp-ports", e2eRTPPorts)
	if s.main.SIP == nil || s.main.SIP.TLSAddr() == nil {
		t.Fatal("SIPREC over TLS is not running")
	}
	meta, err := os.ReadFile(filepath.Join("testdata", "siprec_rfc7865.xml"))
	if err != nil {
		t.Fatal(err)
	}
	type key struct{ k, salt []byte }
	keys := make([]key, 2)
	offer := "v=0\r\no=SBC 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
	for i := range keys {
		b := make([]byte, 30)
		rand.Read(b)
		keys[i] = key{b[:16], b[16:]}
		offer += fmt.Sprintf("m=audio %d RTP/SAVP 0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:%s\r\na=label:%d\r\na=sendonly\r\n",
			30000+2*i, base64.StdEncoding.EncodeToString(b), 96+i)
	}
	body := func(sdp string) string {
		return "--b\r\nContent-Type: application/sdp\r\n\r\n" + sdp + "--b\r\nContent-Type: application/rs-metadata+xml\r\n\r\n" + string(meta) + "\r\n--b--\r\n"
	}
	const ct = "Require: siprec\r\nContent-Type: multipart/mixed;boundary=b\r\n"

	// Refused: the keys over UDP, and plain RTP (SRTP is required).
	u, err := net.Dial("udp", s.main.SIP.UDPAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer u.Close()
	for _, c := range []struct{ name, sdp, warning string }{
		{"SDES over UDP", offer, "SIP over TLS"},
		{"plain RTP", strings.ReplaceAll(offer, "RTP/SAVP", "RTP/AVP"), "requires SRTP"},
	} {
		code, hdr := sipExchange(t, u, bufio.NewReader(u), sipMessage("INVITE", "UDP", u.LocalAddr().String(), "refused-"+callvault.NewID(), 1, "<sip:srs@127.0.0.1>", ct, body(c.sdp)))
		if code != 488 || !strings.Contains(hdr.Get("Warning"), c.warning) {
			t.Errorf("%s: %d %q, want 488 with a warning saying %q", c.name, code, hdr.Get("Warning"), c.warning)
		}
	}

	// Recorded: the same offer over TLS.
	tc, err := tls.Dial("tcp", s.main.SIP.TLSAddr().String(), clientTLS)
	if err != nil {
		t.Fatal(err)
	}
	defer tc.Close()
	r, local, callID := bufio.NewReader(tc), tc.LocalAddr().String(), "srtp-"+callvault.NewID()
	code, hdr := sipExchange(t, tc, r, sipMessage("INVITE", "TLS", local, callID, 1, "<sip:srs@127.0.0.1>", ct, body(offer)))
	if code != 200 {
		t.Fatalf("SRTP INVITE over TLS: %d %q", code, hdr.Get("Warning"))
	}
	to := hdr.Get("To")
	sipExchange(t, tc, r, sipMessage("ACK", "TLS", local, callID, 1, to, "", ""))
	call := waitLive(t, s.main.SIP)
	const packets = 50
	sent := [][]byte{audiotest.MuLawSignal(packets*160, 21), audiotest.MuLawSignal(packets*160, 22)}
	var conns []net.Conn
	var ctxs []*srtp.Context
	for k := range sent {
		c, err := net.Dial("udp", fmt.Sprintf("127.0.0.1:%d", call.Ports[k]))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		sc, err := srtp.CreateContext(keys[k].k, keys[k].salt, srtp.ProtectionProfileAes128CmHmacSha1_80)
		if err != nil {
			t.Fatal(err)
		}
		conns, ctxs = append(conns, c), append(ctxs, sc)
	}
	tick := time.NewTicker(20 * time.Millisecond)
	for i := range packets {
		for k, c := range conns {
			p := pionrtp.Packet{Header: pionrtp.Header{Version: 2, PayloadType: 0, SequenceNumber: uint16(900*k + i),
				Timestamp: uint32(8000*k + 160*i), SSRC: uint32(70 + k)}, Payload: sent[k][160*i : 160*(i+1)]}
			b, _ := p.Marshal()
			enc, err := ctxs[k].EncryptRTP(nil, b, nil)
			if err != nil {
				t.Fatal(err)
			}
			c.Write(enc)
		}
		<-tick.C
	}
	tick.Stop()
	if code, _ := sipExchange(t, tc, r, sipMessage("BYE", "TLS", local, callID, 2, to, "", "")); code != 200 {
		t.Fatalf("BYE: %d", code)
	}
	rec := recordingOf(t, s.main, callID)
	if rec.Attributes["srtp"] != "AES_CM_128_HMAC_SHA1_80" || rec.Attributes["srtp_auth_failed"] != "" {
		t.Errorf("attributes srtp=%q srtp_auth_failed=%q", rec.Attributes["srtp"], rec.Attributes["srtp_auth_failed"])
	}
	ch, _ := channels(t, s.main, rec.ID)
	for k, stream := range sent {
		want := make([]int16, len(stream))
		for i, c := range stream {
			want[i] = audio.MuLawDecode(c)
		}
		if !containsSamples(ch[0], want) && !containsSamples(ch[1], want) {
			t.Errorf("stream %d's audio is not in either channel sample for sample", k)
		}
	}
}

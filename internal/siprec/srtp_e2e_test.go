package siprec

import (
	"bufio"
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	pionrtp "github.com/pion/rtp"
	"github.com/pion/srtp/v3"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/audio/audiotest"
)

// sdesKey is a sender's SDES master key for one stream.
type sdesKey struct {
	suite      string
	profile    srtp.ProtectionProfile
	key, salt  []byte
	inlineText string // base64 of key||salt, as it travels in a=crypto
}

func newSDESKey(t testing.TB, suite string) sdesKey {
	t.Helper()
	var p srtp.ProtectionProfile
	for _, s := range sdesSuites {
		if s.name == suite {
			p = s.profile
		}
	}
	kl, _ := p.KeyLen()
	sl, _ := p.SaltLen()
	b := make([]byte, kl+sl)
	rand.Read(b)
	return sdesKey{suite: suite, profile: p, key: b[:kl], salt: b[kl:], inlineText: base64.StdEncoding.EncodeToString(b)}
}

// protect returns a function that encrypts RTP packets with k, as the SBC does.
func (k sdesKey) protect(t testing.TB) func([]byte) []byte {
	t.Helper()
	c, err := srtp.CreateContext(k.key, k.salt, k.profile)
	if err != nil {
		t.Fatal(err)
	}
	return func(b []byte) []byte {
		out, err := c.EncryptRTP(nil, b, nil)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
}

// srtpOffer returns an SDP offer with one sendonly RTP/SAVP m-line per key (labels 96, 97,
// ...), each offering first a suite the recorder does not take (tag 1) and then the key's
// (tag 2).
func srtpOffer(keys ...sdesKey) string {
	var b strings.Builder
	b.WriteString("v=0\r\no=SBC 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n")
	for i, k := range keys {
		fmt.Fprintf(&b, "m=audio %d RTP/SAVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\n", 30000+2*i)
		fmt.Fprintf(&b, "a=crypto:1 F8_128_HMAC_SHA1_80 inline:%s\r\n", k.inlineText)
		fmt.Fprintf(&b, "a=crypto:2 %s inline:%s|2^31\r\na=label:%d\r\na=sendonly\r\n", k.suite, k.inlineText, 96+i)
	}
	return b.String()
}

// tlsCall is a recording session set up by the test over SIP over TLS (or plain TCP).
type tlsCall struct {
	c      *sipConn
	uri    string
	callID string
	from   string
	to     string // with the server's tag, once answered
	via    string
	cseq   int // of the last request
}

// dialSIP connects to the server's TLS listener (tls true) or its TCP one.
func dialSIP(t testing.TB, h *harness, pool any, useTLS bool) *sipConn {
	t.Helper()
	var c net.Conn
	var err error
	if useTLS {
		c, err = tls.Dial("tcp", h.srv.TLSAddr().String(), pool.(*tls.Config))
	} else {
		c, err = net.Dial("tcp", h.srv.TCPAddr().String())
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &sipConn{t: t, c: c, r: bufio.NewReader(c), local: c.LocalAddr().String()}
}

// invite sends an INVITE with sdp and the RFC 7865 metadata, and returns the final response
// (acknowledging a 200).
// invite sends an INVITE (a re-INVITE once answered) with sdp and the RFC 7865 metadata, and
// returns the final response (acknowledging a 200).
func (tc *tlsCall) invite(t testing.TB, sdp string) sipResponse {
	t.Helper()
	meta := strings.TrimSpace(string(readTestdata(t, "rfc7865.xml")))
	body := "--foobar\r\nContent-Type: application/sdp\r\n\r\n" + sdp +
		"--foobar\r\nContent-Type: application/rs-metadata+xml\r\nContent-Disposition: recording-session\r\n\r\n" +
		meta + "\r\n--foobar--\r\n"
	to := tc.to
	if to == "" {
		to = "<" + tc.uri + ">"
	}
	tc.cseq++
	cseq := strconv.Itoa(tc.cseq)
	tc.c.send("INVITE "+tc.uri+" SIP/2.0", append(tc.headers(cseq+" INVITE"),
		"To: "+to, "Contact: <sips:src@"+tc.c.local+";transport="+tc.via+">;+sip.src", "Require: siprec",
		"Content-Type: multipart/mixed;boundary=foobar", "MIME-Version: 1.0"), []byte(body))
	res := tc.c.response()
	if res.code == 200 {
		tc.to = res.header.Get("To")
		tc.c.send("ACK "+tc.uri+" SIP/2.0", append(tc.headers(cseq+" ACK"), "To: "+tc.to), nil)
	}
	return res
}

func (tc *tlsCall) headers(cseq string) []string {
	return []string{
		"Via: SIP/2.0/" + strings.ToUpper(tc.via) + " " + tc.c.local + ";rport;branch=z9hG4bK" + callvault.NewID()[24:], // the random part: the first digits are the time
		"From: " + tc.from, "Call-ID: " + tc.callID, "CSeq: " + cseq, "Max-Forwards: 70",
	}
}

func (tc *tlsCall) bye(t testing.TB) {
	t.Helper()
	tc.cseq++
	tc.c.send("BYE "+tc.uri+" SIP/2.0", append(tc.headers(strconv.Itoa(tc.cseq)+" BYE"), "To: "+tc.to), nil)
	if res := tc.c.response(); res.code != 200 {
		t.Fatalf("BYE got %d, want 200", res.code)
	}
}

func newTLSCall(c *sipConn, addr, via string) *tlsCall {
	return &tlsCall{c: c, uri: "sips:srs@" + addr, callID: "srtp-" + callvault.NewID(), via: via,
		from: fmt.Sprintf(`"SBC" <sips:src@%s>;tag=srtp1`, c.local)}
}

// sendSRTP sends len(audio[k])/160 packets of 20 ms to each port, paced in real time, each
// packet protected by protect[k]; with replay set, the last packet of each stream is sent
// twice. The packets are numbered from packet first of the stream on. It returns when the
// sending started and ended.
func sendSRTP(t *testing.T, conns []net.Conn, audio [][]byte, protect []func([]byte) []byte, replay bool, first int) (times sendTimes) {
	t.Helper()
	n := len(audio[0]) / 160
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	last := make([][]byte, len(conns))
	for i := range n {
		if i > 0 {
			<-tick.C
		}
		if i == 0 {
			times.first = time.Now()
		}
		times.last = time.Now()
		for k, c := range conns {
			// Sequence numbers cross the wrap, so the rollover counter is exercised too.
			p := pionrtp.Packet{Header: pionrtp.Header{Version: 2, PayloadType: 0, SequenceNumber: uint16(65530 + first + i),
				Timestamp: uint32(5000*k + 160*(first+i)), SSRC: uint32(0x5e0 + k)}, Payload: audio[k][160*i : 160*(i+1)]}
			b, _ := p.Marshal()
			last[k] = protect[k](b)
			c.Write(last[k])
		}
	}
	if replay {
		for k, c := range conns {
			c.Write(last[k])
		}
	}
	return times
}

// dialMedia returns a socket sending to each port, closed when the test ends.
func dialMedia(t *testing.T, ports []int) []net.Conn {
	t.Helper()
	conns := make([]net.Conn, len(ports))
	for k, p := range ports {
		c, err := net.Dial("udp", fmt.Sprintf("127.0.0.1:%d", p))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		conns[k] = c
	}
	return conns
}

// waitSRTP waits until the session's streams have taken or dropped want packets in all.
func waitSRTP(t *testing.T, h *harness, callID string, want int64) {
	t.Helper()
	ss := h.srv.lookup(callID)
	deadline := time.Now().Add(10 * time.Second)
	for {
		var got int64
		ss.mu.Lock()
		for _, m := range ss.media {
			if m.stream != nil {
				st := m.stream.Stats()
				got += st.Packets + st.SRTPAuthFailed + st.SRTPReplayed
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

// checkSRTPAudio asserts that the recording's channels hold left and right sample for sample
// after at most maxLead frames of leading silence. On a machine so loaded that the server's
// reader missed the jitter delay, a packet may be silent where it was counted late (rtp_late):
// such packets, and only as many as were counted, may be silent; any other difference fails.
func checkSRTPAudio(t *testing.T, st *stored, left, right []int16, maxLead int) {
	t.Helper()
	late, _ := strconv.Atoi(st.rec.Attributes["rtp_late"])
	silent := 0
	for _, c := range []struct {
		name      string
		got, want []int16
	}{{"left", st.left, left}, {"right", st.right, right}} {
		off := 0
		for off < len(c.got) && c.got[off] == 0 {
			off++
		}
		if off > maxLead {
			t.Errorf("%s channel starts with %d frames of silence, want at most %d", c.name, off, maxLead)
			continue
		}
		if len(c.got)-off < len(c.want) {
			t.Errorf("%s channel has %d frames after its start, want %d", c.name, len(c.got)-off, len(c.want))
			continue
		}
		for p := 0; p < len(c.want)/160; p++ {
			got, want := c.got[off+160*p:off+160*(p+1)], c.want[160*p:160*(p+1)]
			if slices.Equal(got, want) {
				continue
			}
			if slices.Max(got) == 0 && slices.Min(got) == 0 {
				silent++
				continue
			}
			t.Errorf("%s channel differs from the sent audio in packet %d", c.name, p)
			break
		}
	}
	if silent > late {
		t.Errorf("%d packets silent in the recording, %d counted late (attributes %v)", silent, late, st.rec.Attributes)
	} else if silent > 0 {
		t.Logf("%d packets silent, all counted late: the machine stalled the reader", silent)
	}
}

// answerCrypto returns the protocols of an SDP answer's m-lines and its a=crypto values.
func answerCrypto(t *testing.T, sdp []byte) (protos, cryptos []string) {
	t.Helper()
	for _, l := range strings.Split(string(sdp), "\r\n") {
		if v, ok := strings.CutPrefix(l, "m="); ok {
			f := append(strings.Fields(v), "", "", "")
			protos = append(protos, f[2])
		}
		if v, ok := strings.CutPrefix(l, "a=crypto:"); ok {
			cryptos = append(cryptos, v)
		}
	}
	return protos, cryptos
}

// srtpHarness starts a server with SIP over TLS, UDP and TCP, logging into logs.
func srtpHarness(t *testing.T, logs *lockedBuffer, modify func(*Config)) (*harness, *tls.Config) {
	t.Helper()
	cert, pool := selfSigned(t)
	h := startHarness(t, func(c *Config) {
		c.TLSAddr = "127.0.0.1:0"
		c.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		c.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		if modify != nil {
			modify(c)
		}
	})
	return h, &tls.Config{RootCAs: pool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}
}

// TestSRTPOverTLS: an SBC sends both streams of a SIPREC call as SRTP keyed by SDES over SIP
// over TLS. The answer is RTP/SAVP with the offer's tag and suite and a fresh key of the
// recorder's own per m-line; the stored audio is the sent audio sample for sample (across a
// sequence number wrap), a replayed packet is counted and dropped. A call whose packets are
// under another key than the offered one stores silence and counts every packet as failing
// authentication. No key reaches the log.
func TestSRTPOverTLS(t *testing.T) {
	var logs lockedBuffer
	h, clientTLS := srtpHarness(t, &logs, nil)
	addr := h.srv.TLSAddr().String()
	const packets = 25
	var secrets []string

	for i, suites := range [][2]string{{"AES_CM_128_HMAC_SHA1_80", "AEAD_AES_128_GCM"}, {"AES_CM_128_HMAC_SHA1_32", "AES_CM_128_HMAC_SHA1_32"}} {
		t.Run(suites[0]+"+"+suites[1], func(t *testing.T) {
			keys := []sdesKey{newSDESKey(t, suites[0]), newSDESKey(t, suites[1])}
			secrets = append(secrets, keys[0].inlineText, keys[1].inlineText)
			tc := newTLSCall(dialSIP(t, h, clientTLS, true), addr, "tls")
			res := tc.invite(t, srtpOffer(keys...))
			if res.code != 200 {
				t.Fatalf("SRTP INVITE over TLS got %d (%s), want 200", res.code, res.header.Get("Warning"))
			}
			protos, cryptos := answerCrypto(t, res.body)
			if strings.Join(protos, " ") != "RTP/SAVP RTP/SAVP" || len(cryptos) != 2 {
				t.Fatalf("answer m-lines %q with a=crypto %d times, want RTP/SAVP twice, one a=crypto each:\n%s", protos, len(cryptos), res.body)
			}
			for k, v := range cryptos {
				c, err := parseCrypto(v)
				if err != nil || c.tag != "2" || c.suite.name != suites[k] {
					t.Fatalf("answer a=crypto %d: %+v, %v; want tag 2 (the one the recorder takes), suite %s", k, c, err, suites[k])
				}
				if mine := base64.StdEncoding.EncodeToString(append(c.keys[0].Key, c.keys[0].Salt...)); mine == keys[k].inlineText || strings.Contains(string(res.body), keys[k].inlineText) {
					t.Fatalf("the answer repeats the offer's key")
				}
			}
			if cryptos[0] == cryptos[1] {
				t.Error("both m-lines answered with the same key")
			}
			a := waitSession(t, h)
			waitAcked(t, h, tc.callID)
			media := dialMedia(t, a.ports)
			sent := [][]byte{audiotest.MuLawSignal(packets*160, uint32(61+i)), audiotest.MuLawSignal(packets*160, uint32(71+i))}
			times := sendSRTP(t, media, sent, []func([]byte) []byte{keys[0].protect(t), keys[1].protect(t)}, true, 0)
			waitSRTP(t, h, tc.callID, 2*packets+2)
			tc.bye(t)
			st := waitStored(t, h)
			// rfc7865.xml makes the second stream the caller's (left).
			checkSRTPAudio(t, st, decodeMuLawPCM(sent[1]), decodeMuLawPCM(sent[0]), times.leadIn(a, 8000))
			wantSuites := suites[0] + "," + suites[1]
			if suites[0] == suites[1] {
				wantSuites = suites[0]
			}
			if at := st.rec.Attributes; at["srtp"] != wantSuites || at["srtp_replayed"] != "2" || at["srtp_auth_failed"] != "" || at["rtp_packets"] != strconv.Itoa(2*packets) {
				t.Errorf("attributes srtp=%q srtp_replayed=%q srtp_auth_failed=%q rtp_packets=%q; want %q, 2, none, %d",
					at["srtp"], at["srtp_replayed"], at["srtp_auth_failed"], at["rtp_packets"], wantSuites, 2*packets)
			}
		})
	}
	if got := h.metric(t, "callvault_siprec_srtp_replays_total"); got != 4 {
		t.Errorf("srtp_replays_total %v, want 4 (one per stream and call)", got)
	}
	if got := h.metric(t, "callvault_siprec_srtp_auth_failures_total"); got != 0 {
		t.Errorf("srtp_auth_failures_total %v before the wrong-key call, want 0", got)
	}

	t.Run("wrong key", func(t *testing.T) {
		offered := []sdesKey{newSDESKey(t, "AES_CM_128_HMAC_SHA1_80"), newSDESKey(t, "AES_CM_128_HMAC_SHA1_80")}
		used := []sdesKey{newSDESKey(t, "AES_CM_128_HMAC_SHA1_80"), newSDESKey(t, "AES_CM_128_HMAC_SHA1_80")}
		secrets = append(secrets, offered[0].inlineText, offered[1].inlineText)
		tc := newTLSCall(dialSIP(t, h, clientTLS, true), addr, "tls")
		if res := tc.invite(t, srtpOffer(offered...)); res.code != 200 {
			t.Fatalf("SRTP INVITE got %d, want 200", res.code)
		}
		a := waitSession(t, h)
		media := dialMedia(t, a.ports)
		sent := [][]byte{audiotest.MuLawSignal(packets*160, 81), audiotest.MuLawSignal(packets*160, 82)}
		sendSRTP(t, media, sent, []func([]byte) []byte{used[0].protect(t), used[1].protect(t)}, false, 0)
		waitSRTP(t, h, tc.callID, 2*packets)
		tc.bye(t)
		st := waitStored(t, h)
		for _, ch := range [][]int16{st.left, st.right} {
			for i, v := range ch {
				if v != 0 {
					t.Fatalf("sample %d is %d: audio under a wrong key reached the recording", i, v)
				}
			}
		}
		if len(st.left) == 0 {
			t.Error("no recording of the call's length (silence) was stored")
		}
		if at := st.rec.Attributes; at["srtp_auth_failed"] != strconv.Itoa(2*packets) || at["rtp_packets"] != "0" {
			t.Errorf("srtp_auth_failed=%q rtp_packets=%q, want %d and 0", at["srtp_auth_failed"], at["rtp_packets"], 2*packets)
		}
		if got := h.metric(t, "callvault_siprec_srtp_auth_failures_total"); got != 2*packets {
			t.Errorf("srtp_auth_failures_total %v, want %d", got, 2*packets)
		}
	})

	t.Run("re-INVITE with new keys", func(t *testing.T) {
		// The same offer again keeps the streams' contexts; new keys take over from the
		// packet after the answer. Audio before and after is stored whole.
		first := []sdesKey{newSDESKey(t, "AES_CM_128_HMAC_SHA1_80"), newSDESKey(t, "AEAD_AES_128_GCM")}
		second := []sdesKey{newSDESKey(t, "AES_CM_128_HMAC_SHA1_32"), newSDESKey(t, "AES_CM_128_HMAC_SHA1_80")}
		secrets = append(secrets, first[0].inlineText, first[1].inlineText, second[0].inlineText, second[1].inlineText)
		tc := newTLSCall(dialSIP(t, h, clientTLS, true), addr, "tls")
		if res := tc.invite(t, srtpOffer(first...)); res.code != 200 {
			t.Fatalf("SRTP INVITE got %d, want 200", res.code)
		}
		a := waitSession(t, h)
		waitAcked(t, h, tc.callID)
		media := dialMedia(t, a.ports)
		sent := [][]byte{audiotest.MuLawSignal(2*packets*160, 91), audiotest.MuLawSignal(2*packets*160, 92)}
		half := func(k, i int) []byte { return sent[k][i*packets*160 : (i+1)*packets*160] }
		times := sendSRTP(t, media, [][]byte{half(0, 0), half(1, 0)}, []func([]byte) []byte{first[0].protect(t), first[1].protect(t)}, false, 0)
		waitSRTP(t, h, tc.callID, 2*packets)
		if res := tc.invite(t, srtpOffer(first...)); res.code != 200 {
			t.Fatalf("re-INVITE with the same keys got %d, want 200", res.code)
		}
		waitAcked(t, h, tc.callID)
		if res := tc.invite(t, srtpOffer(second...)); res.code != 200 {
			t.Fatalf("re-INVITE with new keys got %d, want 200", res.code)
		}
		waitAcked(t, h, tc.callID)
		sendSRTP(t, media, [][]byte{half(0, 1), half(1, 1)}, []func([]byte) []byte{second[0].protect(t), second[1].protect(t)}, false, packets)
		waitSRTP(t, h, tc.callID, 4*packets)
		tc.bye(t)
		st := waitStored(t, h)
		checkSRTPAudio(t, st, decodeMuLawPCM(sent[1]), decodeMuLawPCM(sent[0]), times.leadIn(a, 8000))
		if at := st.rec.Attributes; at["srtp_auth_failed"] != "" || at["rtp_packets"] != strconv.Itoa(4*packets) || at["srtp"] != "AES_CM_128_HMAC_SHA1_32,AES_CM_128_HMAC_SHA1_80" {
			t.Errorf("srtp_auth_failed=%q rtp_packets=%q srtp=%q, want none, %d and the second offer's suites", at["srtp_auth_failed"], at["rtp_packets"], at["srtp"], 4*packets)
		}
	})

	for _, s := range secrets {
		if strings.Contains(logs.String(), s) || strings.Contains(logs.String(), s[:16]) {
			t.Fatal("an SDES key was logged")
		}
	}
}

// TestSRTPRefused: SDES keys over SIP without TLS (UDP, TCP) are refused with 488 and a
// reason, counted, and neither recorded nor logged; with RequireSRTP a plain RTP offer is
// refused (over TLS too) while an SRTP one over TLS is recorded.
func TestSRTPRefused(t *testing.T) {
	var logs lockedBuffer
	h, clientTLS := srtpHarness(t, &logs, func(c *Config) { c.RequireSRTP = true })
	meta := string(readTestdata(t, "rfc7865.xml"))
	key := newSDESKey(t, "AES_CM_128_HMAC_SHA1_80")
	offer := srtpOffer(key, key)

	t.Run("SDES over UDP", func(t *testing.T) {
		u := newUAC(t, h, "srtp-udp-"+callvault.NewID())
		u.send("INVITE", 1, "", "", "multipart/mixed;boundary=b", multipartBody(offer, meta))
		code, m := u.final("INVITE", 1)
		if code != 488 || !strings.Contains(header(m, "Warning"), "SIP over TLS") {
			t.Fatalf("SDES over UDP got %d %q, want 488 with a warning naming SIP over TLS", code, header(m, "Warning"))
		}
		if strings.Contains(m, key.inlineText) {
			t.Error("the refusal repeats the key")
		}
		if h.srv.lookup(u.callID) != nil {
			t.Error("a session was set up")
		}
	})
	t.Run("SDES over TCP", func(t *testing.T) {
		tc := newTLSCall(dialSIP(t, h, nil, false), h.srv.TCPAddr().String(), "tcp")
		if res := tc.invite(t, offer); res.code != 488 || !strings.Contains(res.header.Get("Warning"), "readable on the network") {
			t.Fatalf("SDES over TCP got %d %q, want 488 saying why", res.code, res.header.Get("Warning"))
		}
	})
	if got := h.errorCount(t, errSDESInClear); got != 2 {
		t.Errorf("errors_total{kind=%s} %v, want 2", errSDESInClear, got)
	}
	t.Run("plain RTP while SRTP is required", func(t *testing.T) {
		tc := newTLSCall(dialSIP(t, h, clientTLS, true), h.srv.TLSAddr().String(), "tls")
		if res := tc.invite(t, crlf(sdpOffer("sendonly", "96", "97"))+"\r\n"); res.code != 488 || !strings.Contains(res.header.Get("Warning"), "requires SRTP") {
			t.Fatalf("plain RTP over TLS got %d %q, want 488 saying SRTP is required", res.code, res.header.Get("Warning"))
		}
		if got := h.errorCount(t, errSRTPRequired); got != 1 {
			t.Errorf("errors_total{kind=%s} %v, want 1", errSRTPRequired, got)
		}
	})
	t.Run("SRTP over TLS while SRTP is required", func(t *testing.T) {
		tc := newTLSCall(dialSIP(t, h, clientTLS, true), h.srv.TLSAddr().String(), "tls")
		if res := tc.invite(t, offer); res.code != 200 {
			t.Fatalf("SRTP over TLS got %d %q, want 200", res.code, res.header.Get("Warning"))
		}
		waitSession(t, h)
		tc.bye(t)
		if st := waitStored(t, h); st.rec.Attributes["srtp"] != "AES_CM_128_HMAC_SHA1_80" {
			t.Errorf("srtp attribute %q", st.rec.Attributes["srtp"])
		}
	})
	if n := h.archive.count(); n != 1 {
		t.Errorf("%d recordings stored, want only the SRTP call over TLS", n)
	}
	if strings.Contains(logs.String(), key.inlineText) || strings.Contains(logs.String(), key.inlineText[:16]) {
		t.Fatal("an SDES key was logged")
	}
}

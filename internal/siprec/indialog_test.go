package siprec

import (
	"encoding/json"
	"net"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	pionrtp "github.com/pion/rtp"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/audio/audiotest"
	"github.com/callvault/callvault/internal/rtp"
)

// paymentUpdate is partial metadata saying the payment line (extension 4999) joined at joined.
func paymentUpdate(t *testing.T, joined time.Time) string {
	t.Helper()
	return strings.Replace(string(readTestdata(t, "rfc7865_transfer_partial.xml")), "2026-03-02T10:16:00Z", joined.UTC().Format(time.RFC3339Nano), 1)
}

// TestInDialogRequestsMustMatchTheDialog: knowing the Call-ID is not enough to end or change a
// recording: an in-dialog request must carry the dialog's tags (481), come from an allowed
// address (403) and not go back in CSeq (500).
func TestInDialogRequestsMustMatchTheDialog(t *testing.T) {
	h := startHarness(t, func(c *Config) { c.AllowFrom = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")} })
	u := newUAC(t, h, "dialog-1")
	if code := u.invite(sdpOffer("sendonly", "1", "2"), string(readTestdata(t, "legacy_oracle.xml"))); code != 200 {
		t.Fatalf("INVITE: %d", code)
	}
	u.ack(1)
	talk(t, h, <-h.sessions, 5)
	waitAcked(t, h, "dialog-1")

	intruder := *u
	intruder.fromTag = "intruder"
	if code := intruder.request("BYE", 2, "", ""); code != 481 {
		t.Errorf("BYE with another From tag: %d, want 481", code)
	}
	wrongTo := *u
	wrongTo.toTag = "not-the-servers"
	if code := wrongTo.request("BYE", 3, "", ""); code != 481 {
		t.Errorf("BYE with another To tag: %d, want 481", code)
	}
	if code := u.request("UPDATE", 5, "application/sdp", crlf(sdpOffer("sendonly", "1", "2"))); code != 200 {
		t.Errorf("UPDATE CSeq 5: %d, want 200", code)
	}
	if code := u.request("UPDATE", 4, "application/sdp", crlf(sdpOffer("inactive", "1", "2"))); code != 500 {
		t.Errorf("UPDATE CSeq 4 after 5: %d, want 500 (out of order)", code)
	}
	other := newUAC(t, h, "dialog-1", "127.0.0.2")
	other.toTag = u.toTag
	other.send("BYE", 6, u.toTag, "", "", "") // dropped unread: outside the allow-list
	waitErrors(t, h, errForbidden, 1)
	if live := h.srv.Live(); len(live) != 1 || live[0].Paused {
		t.Errorf("live sessions %+v: the refused requests must have changed nothing", live)
	}
	if code := u.request("BYE", 7, "", ""); code != 200 {
		t.Fatalf("BYE: %d", code)
	}
	if st := waitStored(t, h); st.rec.Attributes["end_reason"] != endBYE || st.rec.Attributes["pauses"] != "" {
		t.Errorf("attributes %v, want end_reason bye and no pause", st.rec.Attributes)
	}
}

// TestGlare: while the answer to an INVITE awaits its ACK, a re-INVITE, or an UPDATE with an
// offer, gets 491 (RFC 3261 14.2, RFC 3311 5.2); an UPDATE with metadata only is taken. After
// the ACK a re-INVITE is taken.
func TestGlare(t *testing.T) {
	h := startHarness(t, nil)
	u := newUAC(t, h, "glare-1")
	offer := crlf(sdpOffer("sendonly", "96", "97"))
	if code := u.invite(offer, string(readTestdata(t, "rfc7865.xml"))); code != 200 {
		t.Fatalf("INVITE: %d", code)
	}
	talk(t, h, <-h.sessions, 5)
	if code := u.request("INVITE", 2, "application/sdp", offer); code != 491 {
		t.Errorf("re-INVITE before the ACK: %d, want 491", code)
	}
	if code := u.request("UPDATE", 3, "application/sdp", offer); code != 491 {
		t.Errorf("UPDATE with an offer before the ACK: %d, want 491", code)
	}
	supervisor := `<recording xmlns="urn:ietf:params:xml:ns:recording:1"><datamode>partial</datamode>` +
		`<participant participant_id="c3Vw"><nameID aor="sip:+447700900555@sbc.example.net"><name>Carol Supervisor</name></nameID></participant></recording>`
	if code := u.request("UPDATE", 4, "application/rs-metadata+xml", supervisor); code != 200 {
		t.Errorf("UPDATE with metadata only before the ACK: %d, want 200", code)
	}
	u.ack(1)
	waitAcked(t, h, "glare-1")
	if code := u.request("INVITE", 5, "application/sdp", offer); code != 200 {
		t.Errorf("re-INVITE after the ACK: %d, want 200", code)
	}
	u.ack(5)
	if code := u.request("BYE", 6, "", ""); code != 200 {
		t.Fatalf("BYE: %d", code)
	}
	st := waitStored(t, h)
	if !slices.ContainsFunc(st.rec.Parties, func(p callvault.Party) bool { return p.Name == "Carol Supervisor" }) {
		t.Errorf("parties %+v: the metadata-only UPDATE was not applied", st.rec.Parties)
	}
}

// TestCancelBeforeTheAnswer: a CANCEL that reaches the INVITE before its 200 OK ends the
// session: the INVITE is answered 487, never 200, and nothing is stored or left behind.
func TestCancelBeforeTheAnswer(t *testing.T) {
	h := startHarness(t, nil)
	pending := make(chan *session, 1)
	release := make(chan struct{})
	h.srv.beforeAnswer = func(callID string) {
		pending <- h.srv.lookup(callID)
		<-release
	}
	u := newUAC(t, h, "cancel-1")
	const branch = "z9hG4bK-cancel-1"
	u.send("INVITE", 1, "", branch, "multipart/mixed;boundary=b",
		multipartBody(crlf(sdpOffer("sendonly", "1", "2")), string(readTestdata(t, "legacy_oracle.xml"))))
	ss := <-pending
	u.send("CANCEL", 1, "", branch, "", "")
	if code, _ := u.final("CANCEL", 1); code != 200 {
		t.Errorf("CANCEL: %d, want 200", code)
	}
	if code, _ := u.final("INVITE", 1); code != 487 {
		t.Errorf("INVITE after its CANCEL: %d, want 487", code)
	}
	close(release)
	<-ss.done // the archive was handed an aborted stream and has returned
	if n := h.archive.count(); n != 0 {
		t.Errorf("%d recordings stored for a cancelled INVITE", n)
	}
	if live := h.srv.Live(); len(live) != 0 {
		t.Errorf("live sessions %+v after the CANCEL, want none", live)
	}
	if got := h.metric(t, "callvault_siprec_active_sessions"); got != 0 {
		t.Errorf("active sessions %v, want 0", got)
	}
	if n := ss.retransmits.Load(); n != 0 {
		t.Errorf("%d retransmissions of an answer that must never be sent", n)
	}
}

// TestTransferStopsBeforeAnyRejection: metadata showing the payment line joined stops the
// recording even when the request carrying it is refused, for its SDP (488) or because an
// earlier offer still awaits its ACK (491).
func TestTransferStopsBeforeAnyRejection(t *testing.T) {
	for _, tt := range []struct {
		name   string
		ack    bool   // acknowledge the INVITE first
		sdp    string // the re-INVITE's SDP
		status int
	}{
		{"SDP without a usable codec", true, strings.ReplaceAll(sdpOffer("sendonly", "96", "97"), "RTP/AVP 0 8 101", "RTP/AVP 18"), 488},
		{"ACK still due", false, sdpOffer("sendonly", "96", "97"), 491},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := startHarness(t, func(c *Config) { c.Unrecorded = []string{"4999"} })
			u := newUAC(t, h, "pci-"+strings.ReplaceAll(tt.name, " ", "-"))
			if code := u.invite(sdpOffer("sendonly", "96", "97"), string(readTestdata(t, "rfc7865.xml"))); code != 200 {
				t.Fatalf("INVITE: %d", code)
			}
			if tt.ack {
				u.ack(1)
			}
			talk(t, h, <-h.sessions, 5)
			body := multipartBody(crlf(tt.sdp), paymentUpdate(t, time.Now()))
			if code := u.request("INVITE", 2, "multipart/mixed;boundary=b", body); code != tt.status {
				t.Errorf("transfer re-INVITE: %d, want %d", code, tt.status)
			}
			h.waitEvent(t, callvault.ActionRecordingPCIStop)
			if got := h.metric(t, "callvault_siprec_active_sessions"); got != 0 {
				t.Errorf("active sessions %v after the stop, want 0", got)
			}
			u.ack(1)
			u.request("BYE", 3, "", "")
			st := waitStored(t, h)
			if st.rec.Attributes["end_reason"] != endPCI {
				t.Errorf("end_reason %q, want %s", st.rec.Attributes["end_reason"], endPCI)
			}
			if !strings.Contains(string(st.sidecar), "Card payments") {
				t.Error("the sidecar lacks the metadata that stopped the recording")
			}
		})
	}
}

// TestTransferCutsAtTheJoin: the metadata says the payment line joined 100 ms before the
// UPDATE saying so arrived. The recording ends there, not at what had been received; it can
// end later only where its audio had been written already, which is at least the jitter
// delay (200 ms) before the UPDATE arrived.
func TestTransferCutsAtTheJoin(t *testing.T) {
	h := startHarness(t, func(c *Config) { c.Unrecorded = []string{"4999"} })
	u := newUAC(t, h, "cut-1")
	if code := u.invite(sdpOffer("sendonly", "96", "97"), string(readTestdata(t, "rfc7865.xml"))); code != 200 {
		t.Fatalf("INVITE: %d", code)
	}
	u.ack(1)
	a := <-h.sessions
	sent := [][]byte{audiotest.MuLawSignal(75*160, 31), audiotest.MuLawSignal(75*160, 32)}
	sendRTP(t, a.ports, sent, nil, never)
	joined := time.Now().Add(-100 * time.Millisecond)
	if code := u.request("UPDATE", 2, "application/rs-metadata+xml", paymentUpdate(t, joined)); code != 200 {
		t.Fatalf("UPDATE: %d", code)
	}
	ev := h.waitEvent(t, callvault.ActionRecordingPCIStop) // sent after the stop
	u.request("BYE", 3, "", "")
	st := waitStored(t, h)
	end := a.start.Add(time.Duration(len(st.left)) * time.Second / 8000)
	limit := ev.Time.Add(-rtp.DefaultJitterDelay) // the most that can have been written already
	if limit.Before(joined) {
		limit = joined
	}
	if limit = limit.Add(time.Millisecond); end.After(limit) {
		t.Errorf("the recording ends %v after the payment line joined (limit %v): audio after the join was kept",
			end.Sub(joined), limit.Sub(joined))
	}
	if got := st.rec.Attributes["pci_stopped_at"]; got != end.UTC().Format(time.RFC3339Nano) {
		// The attribute is the recording's end, to the nanosecond the frame count allows.
		if at, err := time.Parse(time.RFC3339Nano, got); err != nil || at.Sub(end).Abs() > time.Millisecond {
			t.Errorf("pci_stopped_at %s, want the recording's end %s", got, end.UTC().Format(time.RFC3339Nano))
		}
	}
	lead := checkChannel(t, "left", st.left, decodeMuLawPCM(sent[1])[:160], 8000)
	n := (len(st.left) - lead) / 160 * 160
	checkChannel(t, "left up to the cut", st.left[lead:lead+n], decodeMuLawPCM(sent[1])[:n], 0)
}

// TestTransferEndsTheSession: a session kept up after a transfer to the payment line is no
// longer an active recording, and after the RTP timeout it is forgotten and the client told
// with a BYE, instead of staying in the table for good.
func TestTransferEndsTheSession(t *testing.T) {
	h := startHarness(t, func(c *Config) { c.Unrecorded = []string{"4999"}; c.RTPTimeout = 300 * time.Millisecond })
	u := newUAC(t, h, "pci-end-1")
	if code := u.invite(sdpOffer("inactive", "96", "97"), string(readTestdata(t, "rfc7865.xml"))); code != 200 {
		t.Fatalf("INVITE: %d", code) // inactive: paused, so the RTP timeout does not end it first
	}
	u.ack(1)
	<-h.sessions
	if got := h.metric(t, "callvault_siprec_active_sessions"); got != 1 {
		t.Errorf("active sessions %v, want 1", got)
	}
	if code := u.request("UPDATE", 2, "application/rs-metadata+xml", paymentUpdate(t, time.Now())); code != 200 {
		t.Fatalf("UPDATE: %d", code)
	}
	if got := h.metric(t, "callvault_siprec_active_sessions"); got != 0 {
		t.Errorf("active sessions %v after the stop, want 0", got)
	}
	bye := u.next("the server's BYE", func(m string) bool { return strings.HasPrefix(m, "BYE ") })
	if !strings.Contains(header(bye, "Reason"), "unrecorded line") {
		t.Errorf("BYE without the reason:\n%s", bye)
	}
	if ss := h.srv.lookup("pci-end-1"); ss != nil {
		t.Error("the session is still in the table after its BYE")
	}
	waitStored(t, h)
}

// TestForeignMediaIsDiscarded: packets from an address other than the offer's, and from a
// second port of the offer's address once the first has sent, never reach the recording.
func TestForeignMediaIsDiscarded(t *testing.T) {
	h := startHarness(t, nil)
	u := newUAC(t, h, "foreign-1")
	if code := u.invite(sdpOffer("sendonly", "1", "2"), string(readTestdata(t, "legacy_oracle.xml"))); code != 200 {
		t.Fatalf("INVITE: %d", code)
	}
	u.ack(1)
	a := <-h.sessions
	dst := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: a.ports[0]}
	noise := audiotest.MuLawSignal(160, 99)
	spoof := func(from string, n int) {
		c, err := net.DialUDP("udp", &net.UDPAddr{IP: net.ParseIP(from)}, dst)
		if err != nil {
			t.Skipf("cannot send from %s: %v", from, err)
		}
		defer c.Close()
		for i := range n {
			p := pionrtp.Packet{Header: pionrtp.Header{Version: 2, SequenceNumber: uint16(i), Timestamp: uint32(160 * i), SSRC: 666}, Payload: noise}
			b, _ := p.Marshal()
			c.Write(b)
		}
	}
	spoof("127.0.0.2", 5) // before the real sender: it must not be latched
	sent := [][]byte{audiotest.MuLawSignal(50*160, 33), audiotest.MuLawSignal(50*160, 34)}
	times := sendRTP(t, a.ports, sent, nil, never)
	spoof("127.0.0.1", 5) // the offer's address, but not the port that sent
	waitPackets(t, h, a.callID, 110)
	if code := u.request("BYE", 2, "", ""); code != 200 {
		t.Fatalf("BYE: %d", code)
	}
	st := waitStored(t, h)
	off := checkChannel(t, "left", st.left, decodeMuLawPCM(sent[0]), times.leadIn(a, 8000))
	// After the sent audio, silence to the BYE: nothing of the foreign packets.
	if tail := st.left[min(off+len(sent[0]), len(st.left)):]; slices.ContainsFunc(tail, func(v int16) bool { return v != 0 }) {
		t.Errorf("sound in the %d frames after the sent audio: foreign audio was recorded", len(tail))
	}
	if st.rec.Attributes["rtp_foreign"] != "10" || st.rec.Attributes["rtp_packets"] != "100" {
		t.Errorf("rtp_foreign %q, rtp_packets %q: want the 10 foreign packets discarded, the 100 sent taken", st.rec.Attributes["rtp_foreign"], st.rec.Attributes["rtp_packets"])
	}
}

// TestIngestFailureIsAudited: when the archive fails to store a recorded call, the loss is in
// the audit log (and the error log), not only in a counter.
func TestIngestFailureIsAudited(t *testing.T) {
	h := startHarness(t, nil)
	h.archive.fail = callvault.Errorf(callvault.KindUnavailable, "blob store unreachable")
	u := newUAC(t, h, "fail-1")
	if code := u.invite(sdpOffer("sendonly", "1", "2"), string(readTestdata(t, "legacy_oracle.xml"))); code != 200 {
		t.Fatalf("INVITE: %d", code)
	}
	u.ack(1)
	a := <-h.sessions
	sendRTP(t, a.ports, [][]byte{audiotest.MuLawSignal(10*160, 35), audiotest.MuLawSignal(10*160, 36)}, nil, never)
	u.request("BYE", 2, "", "")
	ev := h.waitEvent(t, callvault.ActionRecordingFailed)
	var detail map[string]string
	if err := json.Unmarshal([]byte(ev.Detail), &detail); err != nil {
		t.Fatal(err)
	}
	if ev.Object != "sip:fail-1" || detail["error_kind"] != string(callvault.KindUnavailable) || detail["end_reason"] != endBYE {
		t.Errorf("event %+v detail %v", ev, detail)
	}
	if got := h.metric(t, "callvault_siprec_errors_total"); got < 1 {
		t.Errorf("errors_total %v, want the ingest error counted", got)
	}
}

package siprec

import (
	"encoding/json"
	"github.com/callvault/callvault/internal/audio/audiotest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/callvault/callvault"
)

// TestSIPRECRTPTimeoutSendsBye: media stops, the server finalises the recording after
// RTPTimeout, audits it, and sends the client a BYE within the dialog, which sipp must receive
// and answer or the scenario fails.
func TestSIPRECRTPTimeoutSendsBye(t *testing.T) {
	sippPath(t)
	h := startHarness(t, func(c *Config) { c.RTPTimeout = time.Second })
	wait := runSipp(t, h, scenario{Name: "rtp-timeout", SDP: sdpOffer("sendonly", "1", "2"),
		Metadata: string(readTestdata(t, "legacy_oracle.xml")), ServerBye: true})
	a := waitSession(t, h)
	const packets = 25 // half a second of media, then silence on the wire
	sent := [][]byte{audiotest.MuLawSignal(packets*160, 41), audiotest.MuLawSignal(packets*160, 42)}
	times := sendRTP(t, a.ports, sent, nil, never)
	wait() // sipp received the BYE and answered it
	st := waitStored(t, h)
	if st.rec.Attributes["end_reason"] != endTimeout {
		t.Errorf("end_reason %q, want %s", st.rec.Attributes["end_reason"], endTimeout)
	}
	checkChannel(t, "left", st.left, decodeMuLawPCM(sent[0]), times.leadIn(a, 8000))
	if st.rec.Attributes["rtp_packets"] != "50" {
		t.Errorf("rtp_packets %q, want 50", st.rec.Attributes["rtp_packets"])
	}
	ev := h.event(callvault.ActionRecordingEnded)
	if ev == nil {
		t.Fatalf("audit events %q, want %s", h.actions(), callvault.ActionRecordingEnded)
	}
	var detail map[string]string
	if err := json.Unmarshal([]byte(ev.Detail), &detail); err != nil || detail["reason"] != "rtp_timeout" {
		t.Errorf("event detail %q, want reason rtp_timeout", ev.Detail)
	}
	if ev.Object != "sip:"+a.callID || ev.Actor != string(callvault.ActorSystem) {
		t.Errorf("event object %q actor %q", ev.Object, ev.Actor)
	}
}

// TestSIPRECPausedCallDoesNotTimeOut: a call paused by the client (every stream inactive)
// sends no media and must not time out; it ends with the client's BYE.
func TestSIPRECPausedCallDoesNotTimeOut(t *testing.T) {
	sippPath(t)
	h := startHarness(t, func(c *Config) { c.RTPTimeout = 500 * time.Millisecond })
	labels := []string{"1", "2"}
	wait := runSipp(t, h, scenario{Name: "paused", SDP: sdpOffer("sendonly", labels...),
		Metadata: string(readTestdata(t, "legacy_oracle.xml")), Steps: []step{
			{CSeq: 2, ContentType: "application/sdp", Body: sdpOffer("inactive", labels...)},
			{Pause: 2000}, // four timeouts long
		}})
	waitSession(t, h)
	wait()
	st := waitStored(t, h)
	if st.rec.Attributes["end_reason"] != endBYE {
		t.Errorf("end_reason %q, want %s (a paused call must not time out)", st.rec.Attributes["end_reason"], endBYE)
	}
	if slices.Contains(h.actions(), callvault.ActionRecordingEnded) {
		t.Errorf("audit events %q: a paused call timed out", h.actions())
	}
}

// TestSIPRECRetransmits200 has sipp hold back its ACK for 1.2 s: the server must retransmit
// the 200 OK meanwhile (every retransmission is in sipp's message log), on the RFC 3261
// schedule, stop once the ACK arrives, and the call must go on normally.
func TestSIPRECRetransmits200(t *testing.T) {
	sippPath(t)
	h := startHarness(t, nil)
	h.srv.t1 = 100 * time.Millisecond // retransmissions due 100, 300, 700, 1500 ms after the answer
	var answeredAt time.Time
	h.srv.beforeAnswer = func(string) { answeredAt = time.Now() }
	wait, dir := runSippDir(t, h, scenario{Name: "retrans", SDP: sdpOffer("sendonly", "1", "2"),
		Metadata: string(readTestdata(t, "legacy_oracle.xml")), AckDelay: 1200, Steps: []step{{Pause: 1000}}})
	a := waitSession(t, h)
	ss := h.srv.lookup(a.callID)
	sent := [][]byte{audiotest.MuLawSignal(25*160, 43), audiotest.MuLawSignal(25*160, 44)}
	times := sendRTP(t, a.ports, sent, nil, never)
	wait()
	st := waitStored(t, h)
	if st.rec.Attributes["end_reason"] != endBYE {
		t.Errorf("end_reason %q, want %s", st.rec.Attributes["end_reason"], endBYE)
	}
	checkChannel(t, "left", st.left, decodeMuLawPCM(sent[0]), times.leadIn(a, 8000))
	// No header and no evidence in the metadata: unknown, never "no".
	if st.rec.AnnouncementPlayed != callvault.AnnouncementUnknown {
		t.Errorf("announcement %q without evidence, want unknown", st.rec.AnnouncementPlayed)
	}

	// What the server did, as it saw it: every retransmission before the ACK's arrival (they
	// are decided under the lock the ACK takes), each no earlier than the schedule says, and
	// at least the first, due 1.1 s before sipp even sends its ACK.
	retrans, acks := ss.retrans.snapshot()
	if len(acks) != 1 {
		t.Fatalf("the server saw %d ACKs of the INVITE, want 1", len(acks))
	}
	if len(retrans) == 0 {
		t.Error("no retransmission of the 200 OK before its ACK")
	}
	for i, at := range retrans {
		due := retransmitDue(h.srv.t1, i)
		if at.After(acks[0]) || at.Sub(answeredAt) < due {
			t.Errorf("retransmission %d at %v after the answer (due at %v; ACK at %v)", i+1, at.Sub(answeredAt), due, acks[0].Sub(answeredAt))
		}
	}
	// What sipp saw: the first 200 OK and exactly those retransmissions, none after the ACK
	// (sipp logs every message it receives).
	log, err := os.ReadFile(filepath.Join(dir, "messages.log"))
	if err != nil {
		t.Fatal(err)
	}
	oks := 0
	for _, msg := range strings.Split(string(log), "message received") {
		if strings.Contains(msg, "SIP/2.0 200 OK") && strings.Contains(msg, "CSeq: 1 INVITE") {
			oks++
		}
	}
	if oks != 1+len(retrans) {
		t.Errorf("sipp received the INVITE's 200 OK %d times, want 1 + the %d retransmissions the server sent before the ACK", oks, len(retrans))
	}
}

// retransmitDue returns when the i-th (from 0) 2xx retransmission is due after the first answer:
// T1, then doubling intervals (RFC 3261 13.3.1.4; T2 is far off for these tests).
func retransmitDue(t1 time.Duration, i int) time.Duration {
	return t1 * time.Duration(1<<(i+1)-1)
}

// TestSIPRECMediaStartsLate: the media starts 3 s after the recording session (the call rang
// first), longer than the recorder buffers: the recording holds that time as silence and then
// every packet, nothing dropped.
func TestSIPRECMediaStartsLate(t *testing.T) {
	sippPath(t)
	h := startHarness(t, nil)
	wait := runSipp(t, h, scenario{Name: "late", SDP: sdpOffer("sendonly", "1", "2"),
		Metadata: string(readTestdata(t, "legacy_oracle.xml")), Steps: []step{{Pause: 5000}}})
	a := waitSession(t, h)
	time.Sleep(3 * time.Second) // the stimulus (3 s of ringing), not a wait for a result
	sent := [][]byte{audiotest.MuLawSignal(50*160, 47), audiotest.MuLawSignal(50*160, 48)}
	times := sendRTP(t, a.ports, sent, nil, never)
	wait()
	st := waitStored(t, h)
	lead := checkChannel(t, "left", st.left, decodeMuLawPCM(sent[0]), times.leadIn(a, 8000))
	checkChannel(t, "right", st.right, decodeMuLawPCM(sent[1]), times.leadIn(a, 8000))
	if lead < 3*8000-160 {
		t.Errorf("the audio starts %d frames in, want the 3 s before the media as silence", lead)
	}
	if st.rec.Attributes["rtp_dropped"] != "0" || st.rec.Attributes["rtp_packets"] != "100" {
		t.Errorf("rtp_dropped %q rtp_packets %q, want 0 and 100", st.rec.Attributes["rtp_dropped"], st.rec.Attributes["rtp_packets"])
	}
}

// TestSIPRECOverTCP runs a whole recorded call over SIP/TCP (no 2xx retransmissions there).
func TestSIPRECOverTCP(t *testing.T) {
	sippPath(t)
	h := startHarness(t, nil)
	wait := runSipp(t, h, scenario{Name: "tcp", SDP: sdpOffer("sendonly", "96", "97"),
		Metadata: string(readTestdata(t, "rfc7865.xml")), Announcement: "not-played", Transport: "tcp",
		Steps: []step{{Pause: 1500}}})
	a := waitSession(t, h)
	const packets = 50
	sent := [][]byte{audiotest.MuLawSignal(packets*160, 45), audiotest.MuLawSignal(packets*160, 46)}
	times := sendRTP(t, a.ports, sent, nil, never)
	wait()
	st := waitStored(t, h)
	checkChannel(t, "left", st.left, decodeMuLawPCM(sent[1]), times.leadIn(a, 8000)) // rfc7865.xml: the caller is on label 97
	checkChannel(t, "right", st.right, decodeMuLawPCM(sent[0]), times.leadIn(a, 8000))
	if st.rec.Attributes["metadata_dialect"] != string(DialectRFC7865) || st.rec.Attributes["end_reason"] != endBYE {
		t.Errorf("attributes %v", st.rec.Attributes)
	}
	// The metadata says the announcement was played; the header says it was not. The header
	// is read after the INVITE's metadata, so it wins.
	if st.rec.AnnouncementPlayed != callvault.AnnouncementNo {
		t.Errorf("announcement %q, want no (header not-played)", st.rec.AnnouncementPlayed)
	}
}

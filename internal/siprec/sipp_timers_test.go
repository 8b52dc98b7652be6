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
// the 200 OK meanwhile (every retransmission is in sipp's message log) and stop once the ACK
// arrives, and the call must go on normally.
func TestSIPRECRetransmits200(t *testing.T) {
	sippPath(t)
	h := startHarness(t, nil)
	h.srv.t1 = 100 * time.Millisecond // retransmissions at 100, 300, 700 ms (then 1.5 s)
	wait, dir := runSippDir(t, h, scenario{Name: "retrans", SDP: sdpOffer("sendonly", "1", "2"),
		Metadata: string(readTestdata(t, "legacy_oracle.xml")), AckDelay: 1200, Steps: []step{{Pause: 1000}}})
	a := waitSession(t, h)
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
	log, err := os.ReadFile(filepath.Join(dir, "messages.log"))
	if err != nil {
		t.Fatal(err)
	}
	// Each received message is logged with its start line; count the INVITE's 200 OKs.
	oks := 0
	for _, msg := range strings.Split(string(log), "message received") {
		if strings.Contains(msg, "SIP/2.0 200 OK") && strings.Contains(msg, "CSeq: 1 INVITE") {
			oks++
		}
	}
	// The first and retransmissions after T1, 3*T1 and 7*T1 (1.5 s is after the ACK): at least
	// one retransmission, and none once the ACK has arrived.
	if oks < 2 || oks > 4 {
		t.Errorf("sipp received the INVITE's 200 OK %d times before its ACK at 1.2 s, want 2 to 4", oks)
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

package siprec

import (
	"bytes"
	"encoding/json"
	"fmt"
	"github.com/callvault/callvault/internal/audio/audiotest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/callvault/callvault"
)

func TestSIPRECLossAndReorder(t *testing.T) {
	sippPath(t)
	const byeAfter = 3500 // ms after the ACK
	h := startHarness(t, nil)
	wait := runSipp(t, h, scenario{Name: "loss", SDP: sdpOffer("sendonly", "1", "2"),
		Metadata: string(readTestdata(t, "legacy_oracle.xml")), Steps: []step{{Pause: byeAfter}}})
	a := waitSession(t, h)
	const packets = 100 // 2 s: the BYE leaves a loaded sender 1.5 s to finish
	sent := [][]byte{audiotest.MuLawSignal(packets*160, 3), audiotest.MuLawSignal(packets*160, 4)}
	drop := func(i int) bool { return i%20 == 7 } // 5% loss
	late := func(i int) bool { return i%10 == 3 } // sent after its successor
	times := sendRTP(t, a.ports, sent, drop, late)
	wait()
	byeBy := time.Now()
	st := waitStored(t, h)
	wantR := decodeMuLawPCM(sent[1])
	lost := 0
	for i := range packets {
		if drop(i) {
			lost++
			clear(wantR[i*160 : (i+1)*160])
		}
	}
	offL := checkChannel(t, "left", st.left, decodeMuLawPCM(sent[0]), times.leadIn(a, 8000))
	checkChannel(t, "right", st.right, wantR, times.leadIn(a, 8000))
	// sipp sends its BYE byeAfter ms after its ACK: the recording is padded to it.
	checkPaddedToBye(t, st.left, 8000, offL+packets*160, a.start, a.start.Add(byeAfter*time.Millisecond), byeBy)
	if got := st.rec.Attributes["rtp_lost"]; got != "5" || st.rec.Attributes["rtp_late"] != "0" {
		t.Errorf("rtp_lost %q rtp_late %q, want %d and 0", got, st.rec.Attributes["rtp_late"], lost)
	}
}

// sdpPort0 returns an offer like sdpOffer whose m-lines all have port 0: the client sends
// nothing (RFC 3264 would call it removing the streams; SRCs use it to pause).
func sdpPort0(labels ...string) string {
	out := sdpOffer("sendonly", labels...)
	for i := range labels {
		out = strings.Replace(out, fmt.Sprintf("m=audio %d ", 30000+2*i), "m=audio 0 ", 1)
	}
	return out
}

// sdpHeld returns an offer like sdpOffer with the connection address 0.0.0.0 (RFC 2543 hold).
func sdpHeld(labels ...string) string {
	return strings.Replace(sdpOffer("sendonly", labels...), "c=IN IP4 127.0.0.1", "c=IN IP4 0.0.0.0", 1)
}

// TestSIPRECPauseResume pauses a call for a second by each form of offer the issue names
// (a=inactive, port 0 on every m-line, connection address 0.0.0.0), in a re-INVITE or an
// UPDATE, and resumes it with the next sendonly offer: the pause is kept in the metadata and
// the audit log, and the stored audio holds silence there, so the recording keeps wall-clock
// time.
func TestSIPRECPauseResume(t *testing.T) {
	sippPath(t)
	labels := []string{"96", "97"}
	for _, tt := range []struct {
		name, method, offer string
	}{
		{"re-INVITE a=inactive", "INVITE", sdpOffer("inactive", labels...)},
		{"re-INVITE port 0", "INVITE", sdpPort0(labels...)},
		{"re-INVITE c=0.0.0.0", "INVITE", sdpHeld(labels...)},
		{"UPDATE a=inactive", "UPDATE", sdpOffer("inactive", labels...)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := startHarness(t, nil)
			wait := runSipp(t, h, scenario{Name: "pause", SDP: sdpOffer("sendonly", labels...),
				Metadata: string(readTestdata(t, "rfc7865.xml")), Steps: []step{
					{Pause: 1500},
					{Method: tt.method, CSeq: 2, ContentType: "application/sdp", Body: tt.offer},
					{Pause: 1000},
					{Method: tt.method, CSeq: 3, ContentType: "application/sdp", Body: sdpOffer("sendonly", labels...)},
					{Pause: 2500},
				}})
			a := waitSession(t, h)
			// Both streams send until the call ends (at most 20 s), so that however a loaded
			// machine delays sipp's requests, the pause falls within the audio.
			const packets = 1000
			sent := [][]byte{audiotest.MuLawSignal(packets*160, 5), audiotest.MuLawSignal(packets*160, 6)}
			times := sendRTPWhile(t, 0, a.ports, sent, nil, never, func() bool { return len(h.srv.Live()) > 0 })
			wait()
			byeBy := time.Now()
			st := waitStored(t, h)
			checkPaused(t, h, st, a, times, sent)
			// sipp sends its BYE 5 s after its ACK: the recording lasts to it, its last audio
			// sent within a packet of the BYE.
			audioEnd := min(len(st.left), times.leadIn(a, 8000)-160+times.frames(8000)+320)
			checkPaddedToBye(t, st.left, 8000, audioEnd, a.start, a.start.Add(5000*time.Millisecond), byeBy)
		})
	}
}

// checkPaused checks a recording paused once, for about a second, while both streams sent
// throughout.
func checkPaused(t *testing.T, h *harness, st *stored, a answered, times sendTimes, sent [][]byte) {
	t.Helper()
	var pauses []pauseInterval
	if err := json.Unmarshal([]byte(st.rec.Attributes["pauses"]), &pauses); err != nil || len(pauses) != 1 {
		t.Fatalf("pauses attribute %q: want one interval (%v)", st.rec.Attributes["pauses"], err)
	}
	// sipp waits 1 s between the two requests, and longer when a loaded machine delays it: the
	// silence must match the interval, whatever its length (below).
	p := pauses[0]
	if d := p.To.Sub(p.From); d < 800*time.Millisecond || d > 3*time.Second {
		t.Errorf("pause lasted %v, want about 1 s", d)
	}
	if acts := h.actions(); !slices.Contains(acts, callvault.ActionRecordingPause) || !slices.Contains(acts, callvault.ActionRecordingResume) {
		t.Errorf("audit events %q, want pause and resume", acts)
	}
	// Wall-clock length: the pause is silence, not cut out. The recording lasts at least from
	// its start to the end of the last packet: the lead-in and the time the sender took (more
	// than packets*20 ms when the machine is loaded); then to the BYE (see checkPaddedToBye).
	if want := times.leadIn(a, 8000) - 160 + times.frames(8000); len(st.left) < want-320 {
		t.Errorf("recording has %d frames, want at least %d (the wall-clock time of the media) within two packets", len(st.left), want)
	}
	for _, ch := range [][]int16{st.left, st.right} {
		// The pause is the longest silence between the first and the last sample of audio (the
		// signal has no silent samples): the lead-in before the first packet and the padding
		// to the BYE are checked apart, and a loaded machine may make either long.
		first, last := 0, len(ch)
		for first < last && ch[first] == 0 {
			first++
		}
		for last > first && ch[last-1] == 0 {
			last--
		}
		run, longest := 0, 0
		for _, v := range ch[first:last] {
			if v == 0 {
				run++
				longest = max(longest, run)
			} else {
				run = 0
			}
		}
		want := int(p.To.Sub(p.From).Seconds() * 8000)
		if longest < want-1600 || longest > want+1600 {
			t.Errorf("longest silence %d frames, want about %d (the pause)", longest, want)
		}
	}
	// Before the pause the audio is the sent audio, sample for sample (the signal has no
	// silent samples, so the first silence after the lead-in is the pause).
	lead := checkChannel(t, "right", st.right, decodeMuLawPCM(sent[0])[:160], times.leadIn(a, 8000))
	firstSilence := lead
	for firstSilence < len(st.right) && st.right[firstSilence] != 0 {
		firstSilence++
	}
	if n := firstSilence - lead; n < 4000 || n%160 != 0 {
		t.Errorf("%d frames of audio before the pause, want whole packets of about 1 s", n)
	}
	checkChannel(t, "right before the pause", st.right[lead:firstSilence], decodeMuLawPCM(sent[0])[:(firstSilence-lead)/160*160], 0)
}

// TestSIPRECUpdateMetadata: an UPDATE with partial metadata (a supervisor joins) adds the
// party to the recording and its document to the sidecar, without disturbing the media.
func TestSIPRECUpdateMetadata(t *testing.T) {
	sippPath(t)
	h := startHarness(t, nil)
	update := `<?xml version="1.0" encoding="UTF-8"?>
<recording xmlns="urn:ietf:params:xml:ns:recording:1">
<datamode>partial</datamode>
<participant participant_id="c3VwZXJ2aXNvcg==">
<nameID aor="sip:+447700900555@sbc.example.net"><name>Carol Supervisor</name></nameID>
</participant>
<participantsessionassoc participant_id="c3VwZXJ2aXNvcg==" session_id="hVpd7YQgRW2nD22h7q60JQ==">
<associate-time>2026-03-02T10:15:30Z</associate-time>
</participantsessionassoc>
</recording>`
	wait := runSipp(t, h, scenario{Name: "update-metadata", SDP: sdpOffer("sendonly", "96", "97"),
		Metadata: string(readTestdata(t, "rfc7865.xml")), Steps: []step{
			{Pause: 500},
			{Method: "UPDATE", CSeq: 2, ContentType: "application/rs-metadata+xml", Body: update},
			{Pause: 1000},
		}})
	a := waitSession(t, h)
	const packets = 50
	sent := [][]byte{audiotest.MuLawSignal(packets*160, 11), audiotest.MuLawSignal(packets*160, 12)}
	times := sendRTP(t, a.ports, sent, nil, never)
	wait()
	st := waitStored(t, h)
	var names, numbers []string
	for _, p := range st.rec.Parties {
		names = append(names, p.Name)
		numbers = append(numbers, p.Number.E164)
	}
	if !slices.Contains(names, "Carol Supervisor") || !slices.Contains(numbers, "+447700900555") || !slices.Contains(names, "Alice Customer") {
		t.Errorf("parties %q numbers %q: want the INVITE's parties and the supervisor from the UPDATE", names, numbers)
	}
	if !bytes.Contains(st.sidecar, []byte("X-SIP-Method: UPDATE")) || !bytes.Contains(st.sidecar, []byte("Carol Supervisor")) {
		t.Errorf("the sidecar lacks the UPDATE's metadata document")
	}
	checkChannel(t, "left", st.left, decodeMuLawPCM(sent[1]), times.leadIn(a, 8000)) // the caller sends on label 97
	checkChannel(t, "right", st.right, decodeMuLawPCM(sent[0]), times.leadIn(a, 8000))
}

func TestSIPRECTransferToPaymentLineStops(t *testing.T) {
	sippPath(t)
	h := startHarness(t, func(c *Config) { c.Unrecorded = []string{"4999"} })
	wait := runSipp(t, h, scenario{Name: "pci", SDP: sdpOffer("sendonly", "96", "97"),
		Metadata: string(readTestdata(t, "rfc7865.xml")), Steps: []step{
			{Pause: 1000},
			{CSeq: 2, ContentType: "application/rs-metadata+xml", Body: string(readTestdata(t, "rfc7865_transfer_partial.xml"))},
			{Pause: 1000},
		}})
	a := waitSession(t, h)
	sent := [][]byte{audiotest.MuLawSignal(110*160, 7), audiotest.MuLawSignal(110*160, 8)}
	times := sendRTP(t, a.ports, sent, nil, never)
	wait()
	st := waitStored(t, h)
	if st.rec.Attributes["pci_stopped_at"] == "" || st.rec.Attributes["end_reason"] != endPCI {
		t.Errorf("attributes %v: want pci_stopped_at and end_reason %s", st.rec.Attributes, endPCI)
	}
	// Recording stopped about 1 s in; the remaining 1.2 s were discarded.
	lead := checkChannel(t, "left", st.left, decodeMuLawPCM(sent[1])[:160], times.leadIn(a, 8000))
	if n := len(st.left) - lead; n < 6000 || n > 11000 {
		t.Errorf("recording has %d frames after %d of lead-in, want about 8000 (stopped at the transfer)", n, lead)
	}
	checkChannel(t, "left", st.left, decodeMuLawPCM(sent[1])[:(len(st.left)-lead)/160*160], lead)
	if !slices.Contains(h.actions(), callvault.ActionRecordingPCIStop) {
		t.Errorf("audit events %q, want %s", h.actions(), callvault.ActionRecordingPCIStop)
	}
	if h.archive.count() != 1 {
		t.Errorf("%d recordings stored, want 1", h.archive.count())
	}
}

func TestSIPRECDeclinesPaymentLine(t *testing.T) {
	sippPath(t)
	h := startHarness(t, func(c *Config) { c.Unrecorded = []string{"sip:2001@pbx.example.com"} })
	wait := runSipp(t, h, scenario{Name: "declined", SDP: sdpOffer("sendonly", "96", "97"),
		Metadata: string(readTestdata(t, "rfc7865.xml")), Expect: 603})
	wait()
	if h.archive.count() != 0 {
		t.Errorf("%d recordings stored for a declined session, want 0", h.archive.count())
	}
	if !slices.Contains(h.actions(), callvault.ActionRecordingDeclined) {
		t.Errorf("audit events %q, want %s", h.actions(), callvault.ActionRecordingDeclined)
	}
}

package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"github.com/callvault/callvault/internal/audio/audiotest"
	"github.com/callvault/callvault/internal/siprec/sipptest"
	"github.com/callvault/callvault/internal/testenv"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	pionrtp "github.com/pion/rtp"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/audio"
	"github.com/callvault/callvault/internal/siprec"
)

func sippBinary(t *testing.T) string {
	t.Helper()
	return testenv.Get(t, testenv.Sipp)
}

// e2eRTPPorts is the RTP range of the end-to-end tests: below the system's ephemeral ports, so
// that no socket of another process is likely to sit in it, and wide, because the port pool
// skips any pair taken meanwhile (another test run on the machine, say). The tests learn the
// ports a call got from the server, never assume them.
const e2eRTPPorts = "20000-20999"

// waitLive waits until the SIPREC server records a call other than those named and returns it.
// Its ports are bound by then, so media sent after this is received.
func waitLive(t *testing.T, srv *siprec.Server, not ...string) siprec.LiveSession {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		for _, l := range srv.Live() {
			if !slices.Contains(not, l.CallID) {
				return l
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("no SIPREC session within 15 s: did the INVITE arrive?")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// sendMedia sends 20 ms G.711 packets of sent[k] to ports[k], paced in real time, calling
// before (if not nil) ahead of packet i.
func sendMedia(t *testing.T, ports []int, sent [][]byte, before func(i int)) {
	t.Helper()
	var conns []net.Conn
	for k := range sent {
		c, err := net.Dial("udp", fmt.Sprintf("127.0.0.1:%d", ports[k]))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		conns = append(conns, c)
	}
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for i := 0; i < len(sent[0])/160; i++ {
		if before != nil {
			before(i)
		}
		for k, c := range conns {
			p := pionrtp.Packet{Header: pionrtp.Header{Version: 2, PayloadType: 0, SequenceNumber: uint16(500*k + i),
				Timestamp: uint32(8000*k + 160*i), SSRC: uint32(7 + k)}, Payload: sent[k][160*i : 160*(i+1)]}
			b, _ := p.Marshal()
			c.Write(b)
		}
		<-tick.C
	}
}

// recordingOf waits for the recording of the SIP call callID and returns it.
func recordingOf(t *testing.T, m *Main, callID string) *callvault.Recording {
	t.Helper()
	for deadline := time.Now().Add(15 * time.Second); ; {
		recs, err := m.Catalogue.ListRecordings(context.Background(), "", 100)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			if r.Attributes["sip_call_id"] == callID {
				return r
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no recording of call %s was stored", callID)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// channels opens a stored stereo recording (audited, as every read) and returns its channels.
func channels(t *testing.T, m *Main, id string) (ch [2][]int16, sidecar []byte) {
	t.Helper()
	a, err := m.Archive.Open(context.Background(), "test", id, "siprec e2e check")
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if sidecar, err = a.Sidecar(); err != nil {
		t.Errorf("sidecar: %v", err)
	}
	wr, err := audio.NewWAVReader(io.NewSectionReader(a, 0, a.Size()))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(wr)
	if err != nil {
		t.Fatal(err)
	}
	if f := wr.Format(); f.Channels != 2 || f.Codec != callvault.CodecPCM16 {
		t.Fatalf("stored format %+v, want stereo PCM", f)
	}
	data := raw[wr.DataOffset():]
	for i := 0; i+4 <= len(data); i += 4 {
		ch[0] = append(ch[0], int16(binary.LittleEndian.Uint16(data[i:])))
		ch[1] = append(ch[1], int16(binary.LittleEndian.Uint16(data[i+2:])))
	}
	return ch, sidecar
}

func runSippScenario(t *testing.T, scenario, metadata string, pauseMS int, target net.Addr) (wait func()) {
	t.Helper()
	x, err := os.ReadFile(filepath.Join("testdata", scenario))
	if err != nil {
		t.Fatal(err)
	}
	s := strings.ReplaceAll(string(x), "METADATA", metadata)
	s = strings.ReplaceAll(s, "PAUSE_MS", fmt.Sprint(pauseMS))
	dir := t.TempDir()
	file := filepath.Join(dir, "scenario.xml")
	os.WriteFile(file, []byte(s), 0o600)
	return sipptest.Run(t, dir, file, target.String(), 45*time.Second, "-t", "u1", "-p", "0")
}

// TestSIPRECEndToEnd: callvault serve --sip records a call from sipp (metadata, two RTP streams
// from a Go sender), stores it encrypted like an upload, pauses and resumes a live call through
// the HTTP API, and declines a payment-line session.
func TestSIPRECEndToEnd(t *testing.T) {
	sippBinary(t) // skips, or fails under the test script, without sipp
	s := startServer(t, "", "--sip", "127.0.0.1:0", "--media-ip", "127.0.0.1",
		"--rtp-ports", e2eRTPPorts, "--unrecorded", "299,+442079460999",
		"--metrics", "127.0.0.1:0")
	if s.main.SIP == nil {
		t.Fatal("SIPREC is not running")
	}
	meta, err := os.ReadFile(filepath.Join("testdata", "siprec_rfc7865.xml"))
	if err != nil {
		t.Fatal(err)
	}
	wait := runSippScenario(t, "siprec_call.xml", string(meta), 3000, s.main.SIP.UDPAddr())

	// Send 2 s of audio on each stream once the call is up.
	const packets = 100
	sent := [][]byte{audiotest.MuLawSignal(packets*160, 1), audiotest.MuLawSignal(packets*160, 2)}
	call := waitLive(t, s.main.SIP)
	sendMedia(t, call.Ports, sent, nil)
	wait()
	byeBy := time.Now()

	// The recording is committed at BYE, exactly like an upload, and found by the number.
	ctx := context.Background()
	rec := recordingOf(t, s.main, call.CallID)
	if recs, err := s.main.Catalogue.FindRecordings(ctx, callvault.RecordingFilter{
		Subjects: []callvault.Subject{{Kind: callvault.SubjectNumber, Value: "+447700900123"}}}); err != nil || len(recs) != 1 || recs[0].ID != rec.ID {
		t.Errorf("search by the caller's number: %v %v", recs, err)
	}
	if rec.Source != callvault.SourceSIPREC || rec.AnnouncementPlayed != callvault.AnnouncementYes {
		t.Errorf("recording facts: source %q announcement %q", rec.Source, rec.AnnouncementPlayed)
	}
	var names []string
	for _, p := range rec.Parties {
		names = append(names, p.Name)
	}
	if fmt.Sprint(names) != "[Alice Customer Bob Agent]" {
		t.Errorf("parties %v, want Alice Customer and Bob Agent from the metadata", names)
	}
	ch, side := channels(t, s.main, rec.ID)
	if !bytes.Contains(side, []byte("Alice Customer")) {
		t.Error("sidecar does not hold the metadata XML")
	}
	// The recording follows wall-clock time from the answer: silence until the first packet,
	// then the audio, then silence until the BYE (sipp sends it 3 s after its ACK).
	lead := len(ch[0])
	for _, c := range ch {
		for i, v := range c {
			if v != 0 {
				lead = min(lead, i)
				break
			}
		}
	}
	if d := len(ch[0]) - lead - packets*160; d < 0 {
		t.Errorf("recording has %d frames after %d frames of lead-in, want at least %d", len(ch[0])-lead, lead, packets*160)
	}
	for _, c := range ch {
		if tail := lead + (packets+1)*160; tail < len(c) && slices.ContainsFunc(c[tail:], func(v int16) bool { return v != 0 }) {
			t.Error("audio after the last packet sent: want silence to the BYE")
		}
	}
	length := time.Duration(len(ch[0])) * time.Second / 8000
	if end := rec.StartedAt.Add(length); end.Before(rec.StartedAt.Add(3*time.Second)) || end.After(byeBy) || rec.EndedAt.Sub(end).Abs() > time.Millisecond {
		t.Errorf("recording of %v from %v ends at %v (ended_at %v): want it to last until the BYE, before %v", length, rec.StartedAt, end, rec.EndedAt, byeBy)
	}
	for k, stream := range sent {
		want := make([]int16, len(stream))
		for i, c := range stream {
			want[i] = audio.MuLawDecode(c)
		}
		if !containsSamples(ch[0], want) && !containsSamples(ch[1], want) {
			t.Errorf("stream %d's audio is not in either channel sample for sample", k)
		}
		// And it is nowhere on disk in plaintext.
		var pcm bytes.Buffer
		binary.Write(&pcm, binary.LittleEndian, want[1000:1032])
		if hits := grepDir(t, s.data, pcm.Bytes()); len(hits) > 0 {
			t.Errorf("plaintext audio of stream %d found on disk: %v", k, hits)
		}
	}

	// The metrics count the call, and hold no personal data.
	resp, err := http.Get(s.main.MetricsURL)
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{"callvault_siprec_recordings_finalised_total 1", fmt.Sprintf("callvault_siprec_rtp_packets_received_total %d", 2*packets)} {
		if !strings.Contains(string(metrics), want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	if strings.Contains(string(metrics), "447700900123") || strings.Contains(string(metrics), "Alice") {
		t.Error("metrics leak a number or a name")
	}

	// The live-control API reaches the SIPREC server (the call has ended, so it is not found).
	token := createToken(t, s.data, "recorder", "sbc")
	if code := live(t, s, token, call.CallID, "pause"); code != http.StatusNotFound {
		t.Errorf("pause of an ended call: %d, want 404", code)
	}

	testLivePause(t, s, token, string(meta), call.CallID)

	// A session with the payment line among its participants is declined and nothing is kept.
	declined := strings.Replace(string(meta), "sip:2001@pbx.example.com", "sip:299@pbx.example.com", 1)
	runSippScenario(t, "siprec_declined.xml", declined, 0, s.main.SIP.UDPAddr())()
	recs, _ := s.main.Catalogue.ListRecordings(ctx, "", 10)
	if len(recs) != 2 {
		t.Errorf("%d recordings after a declined session, want the 2 calls recorded before", len(recs))
	}
	if n := countEvents(t, s.main, callvault.ActionRecordingDeclined); n != 1 {
		t.Errorf("%d declined events in the audit log, want 1", n)
	}
	s.stop()
	if code, out, errOut := cli(t, "audit", "verify", "--data", s.data); code != 0 {
		t.Fatalf("audit verify: %s%s", out, errOut)
	}
}

// live calls POST /api/v1/live/{session}/{op} and returns the status.
func live(t *testing.T, s *server, token, session, op string) int {
	t.Helper()
	req, _ := http.NewRequest("POST", s.url+"/api/v1/live/"+session+"/"+op, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// testLivePause records a call that a PBX pauses out of band through the HTTP API, for one of
// its three seconds: the API answers 409 to a pause of a paused call and to a resume of a
// running one, the recording holds silence for the paused interval and the sent audio
// elsewhere, and the pause and resume are audited with the token as actor.
func testLivePause(t *testing.T, s *server, token, meta, previous string) {
	t.Helper()
	wait := runSippScenario(t, "siprec_call.xml", meta, 4000, s.main.SIP.UDPAddr())
	call := waitLive(t, s.main.SIP, previous)
	const packets = 150
	sent := [][]byte{audiotest.MuLawSignal(packets*160, 3), audiotest.MuLawSignal(packets*160, 4)}
	sendMedia(t, call.Ports, sent, func(i int) {
		switch i {
		case 0:
			if code := live(t, s, token, call.CallID, "resume"); code != http.StatusConflict {
				t.Errorf("resume of a running call: %d, want 409", code)
			}
		case 50:
			if code := live(t, s, token, call.CallID, "pause"); code != http.StatusOK {
				t.Errorf("pause: %d, want 200", code)
			}
			if code := live(t, s, token, call.CallID, "pause"); code != http.StatusConflict {
				t.Errorf("pause of a paused call: %d, want 409", code)
			}
		case 100:
			if code := live(t, s, token, call.CallID, "resume"); code != http.StatusOK {
				t.Errorf("resume: %d, want 200", code)
			}
		}
	})
	wait()
	rec := recordingOf(t, s.main, call.CallID)
	var pauses []struct {
		From, To time.Time
		By       string
	}
	if err := json.Unmarshal([]byte(rec.Attributes["pauses"]), &pauses); err != nil || len(pauses) != 1 || pauses[0].By != "token:sbc" {
		t.Fatalf("pauses attribute %q: want one interval by token:sbc (%v)", rec.Attributes["pauses"], err)
	}
	paused := pauses[0].To.Sub(pauses[0].From)
	for _, action := range []string{callvault.ActionRecordingPause, callvault.ActionRecordingResume} {
		if evs := events(t, s.main, action); len(evs) != 1 || evs[0].Actor != "token:sbc" || evs[0].Object != "sip:"+call.CallID {
			t.Errorf("%s events %+v, want one by token:sbc on the call", action, evs)
		}
	}
	ch, _ := channels(t, s.main, rec.ID)
	for k, c := range ch {
		// The audio up to the pause is the sent audio, sample for sample; then silence as long
		// as the pause (the packets sent meanwhile were discarded), then audio again.
		lead := 0
		for lead < len(c) && c[lead] == 0 {
			lead++
		}
		stop := lead
		for stop < len(c) && c[stop] != 0 {
			stop++
		}
		want := make([]int16, stop-lead)
		for i := range want {
			want[i] = audio.MuLawDecode(sent[1-k][i]) // the caller (left) sends on the second m-line
		}
		if n := stop - lead; n < 40*160 || !equalSamples(c[lead:stop], want) {
			t.Errorf("channel %d: %d frames of audio before the pause, want about 1 s of the sent audio", k, n)
		}
		resume := stop
		for resume < len(c) && c[resume] == 0 {
			resume++
		}
		// Packets that came too late for the jitter buffer (a loaded test machine stalls the
		// sender) are silence too, and counted: each adds its 20 ms to the slack.
		late, _ := strconv.Atoi(rec.Attributes["rtp_late"])
		lost, _ := strconv.Atoi(rec.Attributes["rtp_lost"])
		slack := 200*time.Millisecond + time.Duration(late+lost)*20*time.Millisecond
		if silence := time.Duration(resume-stop) * time.Second / 8000; silence < paused-200*time.Millisecond || silence > paused+slack {
			t.Errorf("channel %d: %v of silence, want the %v paused (rtp_late %d, rtp_lost %d)", k, silence, paused, late, lost)
		}
		if resume == len(c) {
			t.Errorf("channel %d: no audio after the resume", k)
		}
	}
}

// containsSamples reports whether want appears in ch.
func containsSamples(ch, want []int16) bool {
	for off := 0; off+len(want) <= len(ch); off++ {
		if ch[off] == want[0] && equalSamples(ch[off:off+len(want)], want) {
			return true
		}
	}
	return false
}

func equalSamples(a, b []int16) bool {
	for i := range b {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"github.com/callvault/callvault/internal/audio/audiotest"
	"github.com/callvault/callvault/internal/siprec/sipptest"
	"github.com/callvault/callvault/internal/testenv"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	pionrtp "github.com/pion/rtp"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/audio"
)

func sippBinary(t *testing.T) string {
	t.Helper()
	return testenv.Get(t, testenv.Sipp)
}

// freeRTPRange finds an even base port with four free UDP ports above it on 127.0.0.1.
func freeRTPRange(t *testing.T) int {
	t.Helper()
	for try := 0; try < 50; try++ {
		c, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		base := c.LocalAddr().(*net.UDPAddr).Port &^ 1
		c.Close()
		if base < 1024 || base+3 > 65535 {
			continue
		}
		ok := true
		var held []net.PacketConn
		for p := base; p < base+4; p++ {
			c, err := net.ListenPacket("udp", fmt.Sprintf("127.0.0.1:%d", p))
			if err != nil {
				ok = false
				break
			}
			held = append(held, c)
		}
		for _, c := range held {
			c.Close()
		}
		if ok {
			return base
		}
	}
	t.Fatal("no free RTP port range")
	return 0
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
// from a Go sender), stores it encrypted like an upload, and declines a payment-line session.
func TestSIPRECEndToEnd(t *testing.T) {
	sippBinary(t) // skips, or fails under the test script, without sipp
	base := freeRTPRange(t)
	s := startServer(t, "", "--sip", "127.0.0.1:0", "--media-ip", "127.0.0.1",
		"--rtp-ports", fmt.Sprintf("%d-%d", base, base+3), "--unrecorded", "299,+442079460999",
		"--metrics", "127.0.0.1:0")
	if s.main.SIP == nil {
		t.Fatal("SIPREC is not running")
	}
	meta, err := os.ReadFile(filepath.Join("testdata", "siprec_rfc7865.xml"))
	if err != nil {
		t.Fatal(err)
	}
	wait := runSippScenario(t, "siprec_call.xml", string(meta), 3000, s.main.SIP.UDPAddr())

	// Send 2 s of audio on each stream to the two RTP ports of the range once the call is up.
	const packets = 100
	sent := [][]byte{audiotest.MuLawSignal(packets*160, 1), audiotest.MuLawSignal(packets*160, 2)}
	time.Sleep(300 * time.Millisecond) // the INVITE transaction; RTP before the answer is dropped
	var conns []net.Conn
	for k := 0; k < 2; k++ {
		c, err := net.Dial("udp", fmt.Sprintf("127.0.0.1:%d", base+2*k))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		conns = append(conns, c)
	}
	tick := time.NewTicker(20 * time.Millisecond)
	for i := 0; i < packets; i++ {
		for k, c := range conns {
			p := pionrtp.Packet{Header: pionrtp.Header{Version: 2, PayloadType: 0, SequenceNumber: uint16(500*k + i),
				Timestamp: uint32(8000*k + 160*i), SSRC: uint32(7 + k)}, Payload: sent[k][160*i : 160*(i+1)]}
			b, _ := p.Marshal()
			c.Write(b)
		}
		<-tick.C
	}
	tick.Stop()
	wait()

	// The recording is committed at BYE, exactly like an upload.
	ctx := context.Background()
	var rec *callvault.Recording
	for deadline := time.Now().Add(15 * time.Second); rec == nil; {
		recs, err := s.main.Catalogue.FindRecordings(ctx, callvault.RecordingFilter{
			Subjects: []callvault.Subject{{Kind: callvault.SubjectNumber, Value: "+447700900123"}}})
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) > 0 {
			rec = recs[0]
		} else if time.Now().After(deadline) {
			t.Fatal("no SIPREC recording was stored")
		} else {
			time.Sleep(50 * time.Millisecond)
		}
	}
	if rec.Source != callvault.SourceSIPREC || rec.Attributes["sip_call_id"] == "" || rec.AnnouncementPlayed != callvault.AnnouncementYes {
		t.Errorf("recording facts: source %q call-id %q announcement %q", rec.Source, rec.Attributes["sip_call_id"], rec.AnnouncementPlayed)
	}
	var names []string
	for _, p := range rec.Parties {
		names = append(names, p.Name)
	}
	if fmt.Sprint(names) != "[Alice Customer Bob Agent]" {
		t.Errorf("parties %v, want Alice Customer and Bob Agent from the metadata", names)
	}

	a, err := s.main.Archive.Open(ctx, "test", rec.ID, "siprec e2e check")
	if err != nil {
		t.Fatal(err)
	}
	side, err := a.Sidecar()
	if err != nil || !bytes.Contains(side, []byte("Alice Customer")) {
		t.Errorf("sidecar does not hold the metadata XML: %v", err)
	}
	wr, err := audio.NewWAVReader(io.NewSectionReader(a, 0, a.Size()))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(wr)
	a.Close()
	if err != nil {
		t.Fatal(err)
	}
	f := wr.Format()
	if f.Channels != 2 || f.Codec != callvault.CodecPCM16 {
		t.Fatalf("stored format %+v, want stereo PCM", f)
	}
	data := raw[wr.DataOffset():]
	ch := [2][]int16{}
	for i := 0; i+4 <= len(data); i += 4 {
		ch[0] = append(ch[0], int16(binary.LittleEndian.Uint16(data[i:])))
		ch[1] = append(ch[1], int16(binary.LittleEndian.Uint16(data[i+2:])))
	}
	// The recording follows wall-clock time from the answer: silence until the first packet,
	// then the audio, ending within one packet time of the last one sent.
	lead := len(ch[0])
	for _, c := range ch {
		for i, v := range c {
			if v != 0 {
				lead = min(lead, i)
				break
			}
		}
	}
	if d := len(ch[0]) - lead - packets*160; d < 0 || d > 160 {
		t.Errorf("recording has %d frames after %d frames of lead-in, want %d within one packet time", len(ch[0])-lead, lead, packets*160)
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
	req, _ := http.NewRequest("POST", s.url+"/api/v1/live/"+rec.Attributes["sip_call_id"]+"/pause", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusNotFound {
		t.Errorf("pause of an ended call: %v %v, want 404", err, resp)
	} else {
		resp.Body.Close()
	}

	// A session with the payment line among its participants is declined and nothing is kept.
	declined := strings.Replace(string(meta), "sip:2001@pbx.example.com", "sip:299@pbx.example.com", 1)
	runSippScenario(t, "siprec_declined.xml", declined, 0, s.main.SIP.UDPAddr())()
	recs, _ := s.main.Catalogue.ListRecordings(ctx, "", 10)
	if len(recs) != 1 {
		t.Errorf("%d recordings after a declined session, want 1", len(recs))
	}
	if n := countEvents(t, s.main, callvault.ActionRecordingDeclined); n != 1 {
		t.Errorf("%d declined events in the audit log, want 1", n)
	}
	s.stop()
	if code, out, errOut := cli(t, "audit", "verify", "--data", s.data); code != 0 {
		t.Fatalf("audit verify: %s%s", out, errOut)
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

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	pionrtp "github.com/pion/rtp"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/audio"
	"github.com/callvault/callvault/internal/mailtest"
)

// keyPress is one key sent as RFC 4733 events: code (0-15), from packet first for n packets.
type keyPress struct {
	code     byte
	first, n int
}

// sendKeyedMedia sends 20 ms G.711 packets of line[k] to ports[k] in real time, on SSRC 7+k;
// on stream 0 each key of keys is sent as RFC 4733 events (PT 101, sharing the audio's SSRC,
// timestamps and sequence numbers: an update every packet, the final one three times).
func sendKeyedMedia(t *testing.T, ports []int, line [][]byte, keys []keyPress) {
	t.Helper()
	var conns []net.Conn
	for k := range line {
		c, err := net.Dial("udp", fmt.Sprintf("127.0.0.1:%d", ports[k]))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		conns = append(conns, c)
	}
	seq := make([]uint16, len(line))
	send := func(k int, pt uint8, ts uint32, payload []byte) {
		seq[k]++
		p := pionrtp.Packet{Header: pionrtp.Header{Version: 2, PayloadType: pt, SequenceNumber: seq[k],
			Timestamp: ts, SSRC: uint32(7 + k)}, Payload: payload}
		b, _ := p.Marshal()
		conns[k].Write(b)
	}
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for i := 0; i < len(line[0])/160; i++ {
		for k := range conns {
			send(k, 0, uint32(160*i), line[k][160*i:160*(i+1)])
		}
		for _, key := range keys {
			if j := i - key.first; j >= 0 && j < key.n {
				final := j == key.n-1
				e := byte(10)
				if final {
					e |= 0x80
				}
				dur := 160 * (j + 1)
				for range map[bool]int{false: 1, true: 3}[final] {
					send(0, 101, uint32(160*key.first), []byte{key.code, e, byte(dur >> 8), byte(dur)})
				}
			}
		}
		<-tick.C
	}
}

// pciServer starts callvault serve with SIPREC, masking (the default) and a DPO address whose
// mail goes to a mailpit; every log line is kept.
func pciServer(t *testing.T) (*server, *mailtest.Mailpit, *syncBuffer) {
	t.Helper()
	sippBinary(t)
	mp := mailtest.New(t, mailtest.Options{})
	logs := &syncBuffer{}
	s := startServerWith(t, func(m *Main) {
		m.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}, "--data", t.TempDir(), "--log-level", "debug", "--sip", "127.0.0.1:0", "--media-ip", "127.0.0.1", "--rtp-ports", e2eRTPPorts,
		"--smtp", "smtp://"+mp.SMTPAddr+"?from=callvault@vault.example.org", "--dpo-email", "dpo@example.org")
	return s, mp, logs
}

// siprecCall runs one sipp call lasting pauseMS after its answer while send sends its media,
// and returns the stored recording.
func siprecCall(t *testing.T, s *server, pauseMS int, seen []string, send func(ports []int)) *callvault.Recording {
	t.Helper()
	meta, err := os.ReadFile(filepath.Join("testdata", "siprec_rfc7865.xml"))
	if err != nil {
		t.Fatal(err)
	}
	wait := runSippScenario(t, "siprec_call.xml", string(meta), pauseMS, s.main.SIP.UDPAddr())
	call := waitLive(t, s.main.SIP, seen...)
	send(call.Ports)
	wait()
	return recordingOf(t, s.main, call.CallID)
}

// storedWAV returns a recording's audio, decrypted.
func storedWAV(t *testing.T, m *Main, id string) []byte {
	t.Helper()
	a, err := m.Archive.Open(context.Background(), "test", id, "masking check")
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := io.ReadAll(io.NewSectionReader(a, 0, a.Size()))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// checkPCIAlert checks that the DPO was mailed about rec and the alert was audited, naming
// the recording only.
func checkPCIAlert(t *testing.T, s *server, mp *mailtest.Mailpit, rec *callvault.Recording, n int) {
	t.Helper()
	if rec.Attributes[callvault.AttrCardDataKeyed] != "true" {
		t.Errorf("recording attributes %v: want the card flag", rec.Attributes)
	}
	evs := events(t, s.main, callvault.ActionPCICardDataKeyed)
	if len(evs) != n || evs[n-1].Object != "recording:"+rec.ID {
		t.Fatalf("%d %s events, the last %+v; want %d, the last naming %s", len(evs), callvault.ActionPCICardDataKeyed, evs, n, rec.ID)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	got, err := mp.WaitMessages(ctx, n)
	if err != nil {
		t.Fatal(err)
	}
	m := got[0] // newest first
	if strings.Join(m.Recipients(), ",") != "dpo@example.org" || !strings.Contains(m.Subject, "card data keyed on a recorded line") ||
		!strings.Contains(m.Subject, rec.ID) {
		t.Errorf("mail to %v: %q; want the PCI alert about %s to the DPO", m.Recipients(), m.Subject, rec.ID)
	}
}

// noDigitsAnywhere: the card number is in no log line, audit detail, mail or file of the vault.
// The server has stopped: its catalogue is read again.
func noDigitsAnywhere(t *testing.T, s *server, mp *mailtest.Mailpit, logs *syncBuffer) {
	t.Helper()
	ctx := context.Background()
	m := mainFor(t, "--data", s.data)
	defer m.Close()
	var mails strings.Builder
	all, err := mp.Messages(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, sum := range all {
		msg, err := mp.Message(ctx, sum.ID)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintln(&mails, msg.Subject, msg.Text)
	}
	var details strings.Builder
	for _, ev := range events(t, m, "") {
		fmt.Fprintln(&details, ev.Object, ev.Detail)
	}
	for _, digits := range []string{"4111111111111111", "4111 1111", "1111111111"} {
		for what, text := range map[string]string{"log": logs.String(), "audit log": details.String(), "mail": mails.String()} {
			if strings.Contains(text, digits) {
				t.Errorf("the %s holds %q", what, digits)
			}
		}
		if files := grepDir(t, s.data, []byte(digits)); len(files) > 0 {
			t.Errorf("%q found in %v", digits, files)
		}
	}
}

// TestSIPRECMasksKeyedCardNumber: a SIPREC call from sipp in which the test card number is
// keyed as in-band tones on the caller's stream. multimon-ng hears all 16 digits in what was
// sent and none in the stored audio, decrypted; the recording is flagged, the alert audited
// and the DPO mailed (read from mailpit); the digits are nowhere.
func TestSIPRECMasksKeyedCardNumber(t *testing.T) {
	s, mp, logs := pciServer(t)
	wav := cardWAV(t)
	if got := multimonDigits(t, wav); got != "4111111111111111" {
		t.Fatalf("multimon-ng hears %q in the audio sent, want the card number", got)
	}
	wr, err := audio.NewWAVReader(bytes.NewReader(wav))
	if err != nil {
		t.Fatal(err)
	}
	line := wav[wr.DataOffset():]
	line = line[:len(line)/160*160]
	other := bytes.Repeat([]byte{0xFF}, len(line)) // the agent's side: silence
	rec := siprecCall(t, s, 7000, nil, func(ports []int) { sendKeyedMedia(t, ports, [][]byte{line, other}, nil) })

	stored := storedWAV(t, s.main, rec.ID)
	if got := multimonDigits(t, stored); got != "" {
		t.Errorf("multimon-ng hears %q in the stored audio", got)
	}
	if rec.Attributes[callvault.AttrDTMFMasked] != "16" {
		t.Errorf("dtmf_masked = %q, want 16 spans", rec.Attributes[callvault.AttrDTMFMasked])
	}
	checkPCIAlert(t, s, mp, rec, 1)
	s.stop()
	noDigitsAnywhere(t, s, mp, logs)
}

// TestSIPRECMasksSignalledCardNumber: the same card number keyed as RFC 4733 events only.
// While each key is down the caller's audio carries a loud 1 kHz tone (no DTMF pair: only the
// events can get it masked): none of it is in the stored audio, the quiet line around it is,
// the masked spans cover every key, and the card flag, audit event and DPO mail follow.
func TestSIPRECMasksSignalledCardNumber(t *testing.T) {
	s, mp, logs := pciServer(t)
	var keys []keyPress
	at := 20 // packets: 400 ms of line first
	for _, group := range strings.Fields("4111 1111 1111 1111") {
		for _, d := range group {
			keys = append(keys, keyPress{code: byte(d - '0'), first: at, n: 5}) // 100 ms down
			at += 10                                                            // 100 ms up
		}
		at += 30 // 600 ms between groups
	}
	packets := at + 20
	line := make([]byte, packets*160)
	loud := make([]bool, len(line))
	for _, k := range keys {
		for i := k.first * 160; i < (k.first+k.n)*160; i++ {
			loud[i] = true
		}
	}
	for i := range line {
		v := 800 * math.Sin(2*math.Pi*400*float64(i)/8000)
		if loud[i] {
			v = 12000 * math.Sin(2*math.Pi*1000*float64(i)/8000)
		}
		line[i] = audio.MuLawEncode(int16(v))
	}
	other := bytes.Repeat([]byte{0xFF}, len(line))
	rec := siprecCall(t, s, packets*20+1500, nil, func(ports []int) { sendKeyedMedia(t, ports, [][]byte{line, other}, keys) })

	ch, _ := channels(t, s.main, rec.ID)
	var heard int // of the channel the caller's stream went to
	for _, c := range ch {
		n := 0
		for i, v := range c {
			if v > 3000 || v < -3000 {
				t.Fatalf("loud audio sent while a key was down is stored at frame %d (%d)", i, v)
			}
			if v != 0 {
				n++
			}
		}
		heard = max(heard, n)
	}
	// Keys 100 ms apart merge into one span per group (the hold and margins bridge the gap),
	// but the line before, after and between the groups (20,800 frames) is kept, bar margins.
	if heard < 18000 {
		t.Errorf("%d non-silent frames stored of the %d-frame line: too much was masked", heard, len(line))
	}
	var spans [][2]int64
	if err := json.Unmarshal([]byte(rec.Attributes[callvault.AttrDTMFMaskedSpans]), &spans); err != nil || len(spans) == 0 {
		t.Fatalf("attributes %v: want the masked spans (%v)", rec.Attributes, err)
	}
	var masked int64
	for _, sp := range spans { // [start_ms, end_ms), rounded outwards to the ms: silence on both channels
		for i := sp[0]*8 + 8; i < min(sp[1]*8-8, int64(len(ch[0]))); i++ {
			if ch[0][i] != 0 || ch[1][i] != 0 {
				t.Fatalf("frame %d inside the masked span %v is not silent", i, sp)
			}
		}
		masked += sp[1] - sp[0]
	}
	if keyed := int64(len(keys) * 100); masked < keyed {
		t.Errorf("%d ms masked, less than the %d ms the keys were down", masked, keyed)
	}
	checkPCIAlert(t, s, mp, rec, 1)
	s.stop()
	noDigitsAnywhere(t, s, mp, logs)
	if code, out, errOut := cli(t, "audit", "verify", "--data", s.data); code != 0 {
		t.Fatalf("audit verify: %s%s", out, errOut)
	}
}

package archive_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"math"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/audio"
)

// keyedWAV is an 8 kHz mu-law call in which the test card number is keyed as DTMF tones
// (70 ms, 70 ms apart, groups 600 ms apart) on a quiet line; it returns the tones' spans in
// frames.
func keyedWAV(t *testing.T) ([]byte, [][2]int) {
	t.Helper()
	rows := map[byte]float64{'1': 697, '4': 770}
	cols := map[byte]float64{'1': 1209, '4': 1209}
	var pcm []byte
	var spans [][2]int
	silence := func(ms int) {
		for i := range ms * 8 {
			pcm = append(pcm, audio.MuLawEncode(int16(40*math.Sin(float64(len(pcm)+i)))))
		}
	}
	silence(300)
	for _, group := range strings.Fields("4111 1111 1111 1111") {
		for _, d := range []byte(group) {
			start := len(pcm)
			for i := range 560 {
				x := 7000 * (math.Sin(2*math.Pi*rows[d]*float64(i)/8000) + math.Sin(2*math.Pi*cols[d]*float64(i)/8000))
				pcm = append(pcm, audio.MuLawEncode(int16(x)))
			}
			spans = append(spans, [2]int{start, len(pcm)})
			silence(70)
		}
		silence(600)
	}
	var b bytes.Buffer
	if err := audio.WriteHeader(&b, audio.MuLawFormat(8000, 1), int64(len(pcm))); err != nil {
		t.Fatal(err)
	}
	b.Write(pcm)
	return b.Bytes(), spans
}

// TestIngestMasksKeyedDigits: with masking on, the card number keyed in an upload never
// reaches the blob: the stored audio, decrypted, is silent over every tone; the hashes are of
// the masked audio (so a retry of the same upload is recognised); the recording's attributes
// and the audit event say what was masked and that card data was keyed; the warning in the
// log names the recording, and neither the log nor the audit trail holds the digits.
func TestIngestMasksKeyedDigits(t *testing.T) {
	f := newFixture(t)
	var logs bytes.Buffer
	f.svc.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	f.svc.MaskDTMF = &audio.MaskOptions{}
	ctx := context.Background()
	in, spans := keyedWAV(t)

	r, created, err := f.svc.Ingest(ctx, callvault.IngestRequest{Actor: "test", Recording: rec("card"), Audio: bytes.NewReader(in)})
	if err != nil || !created {
		t.Fatalf("ingest: %v created=%v", err, created)
	}
	a, err := f.svc.Open(ctx, "reader", r.ID, "check")
	if err != nil {
		t.Fatal(err)
	}
	stored, _ := io.ReadAll(io.NewSectionReader(a, 0, a.Size()))
	a.Close()
	if len(stored) != len(in) || !bytes.Equal(stored[:44], in[:44]) {
		t.Fatalf("stored %d bytes, header changed: %v", len(stored), !bytes.Equal(stored[:44], in[:44]))
	}
	for _, sp := range spans {
		for i := sp[0]; i < sp[1]; i++ {
			if stored[44+i] != 0xFF {
				t.Fatalf("stored audio byte %d of a keyed tone is not silence", i)
			}
		}
	}
	sum := sha256.Sum256(stored)
	if r.PlainSHA256 != hex.EncodeToString(sum[:]) {
		t.Error("the plain SHA-256 is not that of the masked audio")
	}
	if r.Attributes[callvault.AttrDTMFMasked] != "16" || r.Attributes[callvault.AttrCardDataKeyed] != "true" {
		t.Errorf("attributes %v: want 16 masked spans and card data keyed", r.Attributes)
	}
	var msSpans [][2]int64
	if err := json.Unmarshal([]byte(r.Attributes[callvault.AttrDTMFMaskedSpans]), &msSpans); err != nil || len(msSpans) != 16 {
		t.Fatalf("masked spans %q: %v", r.Attributes[callvault.AttrDTMFMaskedSpans], err)
	}
	if s := msSpans[0]; s[0] > int64(spans[0][0]/8) || s[1] < int64(spans[0][1]/8) {
		t.Errorf("first masked span %v ms does not cover the first tone [%d,%d) ms", s, spans[0][0]/8, spans[0][1]/8)
	}
	got, err := f.db.Recording(ctx, r.ID)
	if err != nil || got.Attributes[callvault.AttrCardDataKeyed] != "true" {
		t.Fatalf("catalogue attributes %v, %v", got.Attributes, err)
	}

	again, created, err := f.svc.Ingest(ctx, callvault.IngestRequest{Actor: "test", Recording: rec("card"), Audio: bytes.NewReader(in)})
	if err != nil || created || again.ID != r.ID {
		t.Fatalf("retry of the same upload: %v created=%v", err, created)
	}

	events, err := f.db.AuditEvents(ctx, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, ev := range events {
		if strings.Contains(ev.Detail, "4111") || strings.Contains(ev.Detail, "1111") {
			t.Errorf("audit event %s holds digits: %s", ev.Action, ev.Detail)
		}
		if ev.Action == callvault.ActionRecordingIngest && strings.Contains(ev.Detail, `"dtmf_masked":16`) && strings.Contains(ev.Detail, `"card_data_keyed":true`) {
			found = true
		}
	}
	if !found {
		t.Error("no ingest audit event says that 16 spans were masked and card data was keyed")
	}
	if !strings.Contains(logs.String(), "card data keyed on a recorded line") || !strings.Contains(logs.String(), r.ID) {
		t.Errorf("no warning naming the recording in the log:\n%s", logs.String())
	}
	if strings.Contains(logs.String(), "4111") {
		t.Error("the log holds the digits")
	}
}

// TestIngestMaskingOffKeepsAudio: without the setting the same upload is stored as received.
func TestIngestMaskingOffKeepsAudio(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	in, _ := keyedWAV(t)
	r, _, err := f.svc.Ingest(ctx, callvault.IngestRequest{Actor: "test", Recording: rec("plain"), Audio: bytes.NewReader(in)})
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(in)
	if r.PlainSHA256 != hex.EncodeToString(sum[:]) || r.Attributes[callvault.AttrDTMFMasked] != "" {
		t.Errorf("masking off changed the audio or noted masking: %v", r.Attributes)
	}
}

// TestIngestMasksSignalledDigits: digits signalled out of band only (RFC 4733), handed to the
// archive while the audio streams in, are masked in the stored audio and flagged as card data.
func TestIngestMasksSignalledDigits(t *testing.T) {
	f := newFixture(t)
	f.svc.MaskDTMF = &audio.MaskOptions{}
	ctx := context.Background()
	in := wav(t, 6) // random audio: no tones in it
	var events []callvault.SignalledDigit
	at := int64(4000)
	for i, d := range []byte("4111111111111111") {
		events = append(events, callvault.SignalledDigit{Digit: d, Start: at, End: at + 640})
		at += 1280
		if i%4 == 3 {
			at += 4000
		}
	}
	polled := false
	digits := func() []callvault.SignalledDigit {
		if polled {
			return nil
		}
		polled = true
		return events
	}
	// Small reads, as from a live capture.
	audioIn := io.MultiReader(bytes.NewReader(in[:1000]), bytes.NewReader(in[1000:]))
	r, _, err := f.svc.Ingest(ctx, callvault.IngestRequest{Actor: "test", Recording: rec("signalled"), Audio: audioIn, Digits: digits})
	if err != nil {
		t.Fatal(err)
	}
	if r.Attributes[callvault.AttrDTMFMasked] != "16" || r.Attributes[callvault.AttrCardDataKeyed] != "true" {
		t.Errorf("attributes %v: want 16 masked spans and card data keyed", r.Attributes)
	}
	a, err := f.svc.Open(ctx, "reader", r.ID, "check")
	if err != nil {
		t.Fatal(err)
	}
	stored, _ := io.ReadAll(io.NewSectionReader(a, 0, a.Size()))
	a.Close()
	for _, e := range events {
		for i := e.Start; i < e.End; i++ {
			if stored[44+i] != 0xFF {
				t.Fatalf("frame %d of a signalled digit is not silent", i)
			}
		}
	}
}

// TestIngestLateSignalledDigit: a digit signalled after its audio passed the look-ahead cannot
// be masked; the recording says how much audio that was, and the log warns without the digit.
func TestIngestLateSignalledDigit(t *testing.T) {
	f := newFixture(t)
	var logs bytes.Buffer
	f.svc.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	f.svc.MaskDTMF = &audio.MaskOptions{}
	in := wav(t, 6)
	calls := 0
	digits := func() []callvault.SignalledDigit {
		if calls++; calls == 20000 { // one byte a write: 2.5 s of audio has passed the masker
			return []callvault.SignalledDigit{{Digit: '7', Start: 800, End: 1600}}
		}
		return nil
	}
	r, _, err := f.svc.Ingest(context.Background(), callvault.IngestRequest{Actor: "test", Recording: rec("late"),
		Audio: iotest.OneByteReader(bytes.NewReader(in)), Digits: digits})
	if err != nil {
		t.Fatal(err)
	}
	if r.Attributes[callvault.AttrDTMFLateMS] != "100" {
		t.Errorf("attributes %v: want dtmf_late_ms 100", r.Attributes)
	}
	if !strings.Contains(logs.String(), "could not be masked") || !strings.Contains(logs.String(), r.ID) {
		t.Errorf("log: %s", logs.String())
	}
}

package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"math"
	"net/http"
	"strings"
	"testing"

	"github.com/callvault/callvault/internal/audio"
	"github.com/callvault/callvault/internal/mailtest"
)

// cardWAVALawStereo is 8 kHz A-law stereo audio in which the test card number is keyed as DTMF
// tones on the caller's channel (the right) only, starting in the recording's first frame
// (no lead-in) and ending 30 ms before its last; the left channel is a quiet line.
func cardWAVALawStereo(t *testing.T) []byte {
	t.Helper()
	freqs := map[byte][2]float64{'1': {697, 1209}, '4': {770, 1209}}
	var left, right []int16
	quiet := func(ms int) {
		for range ms * 8 {
			left = append(left, int16(30*math.Sin(float64(len(left))*0.7)))
			right = append(right, 0)
		}
	}
	for g, group := range strings.Fields("4111 1111 1111 1111") {
		if g > 0 {
			quiet(600)
		}
		for i, d := range []byte(group) {
			if i > 0 {
				quiet(70)
			}
			f := freqs[d]
			for n := range 560 {
				ts := float64(n) / 8000
				left = append(left, int16(30*math.Sin(float64(len(left))*0.7)))
				right = append(right, int16(6000*(math.Sin(2*math.Pi*f[0]*ts)+math.Sin(2*math.Pi*f[1]*ts))))
			}
		}
	}
	quiet(30)
	data := make([]byte, 0, 2*len(left))
	for i := range left {
		data = append(data, audio.ALawEncode(left[i]), audio.ALawEncode(right[i]))
	}
	var b bytes.Buffer
	audio.WriteHeader(&b, audio.ALawFormat(8000, 2), int64(len(data)))
	b.Write(data)
	return b.Bytes()
}

// TestUploadALawCardNumberAlertsDPO: an A-law stereo upload whose caller keys the test card
// number on one channel only, from the first frame to 30 ms before the end. multimon-ng hears
// the 16 digits in the upload and none in the stored audio; the response says the audio was
// masked; the DPO is mailed (read from mailpit) and the alert audited; the digits are in no log
// line, audit detail, mail or file of the vault.
func TestUploadALawCardNumberAlertsDPO(t *testing.T) {
	mp := mailtest.New(t, mailtest.Options{})
	logs := &syncBuffer{}
	s := startServerWith(t, func(m *Main) {
		m.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}, "--data", t.TempDir(), "--log-level", "debug",
		"--smtp", "smtp://"+mp.SMTPAddr+"?from=callvault@vault.example.org", "--dpo-email", "dpo@example.org")
	token := createToken(t, s.data, "recorder", "pbx")
	wav := cardWAVALawStereo(t)
	if got := multimonDigits(t, rightChannel(t, wav)); got != "4111111111111111" {
		t.Fatalf("multimon-ng hears %q in the upload, want the card number", got)
	}
	r := uploadWAV(t, s.url, token, "alaw-card-call", wav)
	if r.status != http.StatusCreated || r.body["audio_masked"] != true || r.body["masked_spans"] != float64(16) {
		t.Fatalf("upload: %d %s; want 201 saying 16 spans were masked", r.status, r.raw)
	}
	id := r.body["id"].(string)
	a, err := s.main.Archive.Open(context.Background(), "test", id, "masking check")
	if err != nil {
		t.Fatal(err)
	}
	stored, err := io.ReadAll(io.NewSectionReader(a, 0, a.Size()))
	a.Close()
	if err != nil || len(stored) != len(wav) {
		t.Fatalf("stored audio: %d bytes, %v", len(stored), err)
	}
	for _, ch := range []func(*testing.T, []byte) []byte{leftChannel, rightChannel} {
		if got := multimonDigits(t, ch(t, stored)); got != "" {
			t.Errorf("multimon-ng hears %q in a channel of the stored audio", got)
		}
	}
	rec, err := s.main.Catalogue.Recording(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	checkPCIAlert(t, s, mp, rec, 1)
	s.stop()
	noDigitsAnywhere(t, s, mp, logs)
}

// leftChannel and rightChannel return one channel of an 8 kHz A-law stereo WAV as a mono WAV
// (multimon-ng reads a stereo WAV as if it were mono).
func leftChannel(t *testing.T, wav []byte) []byte  { return aLawChannel(t, wav, 0) }
func rightChannel(t *testing.T, wav []byte) []byte { return aLawChannel(t, wav, 1) }

func aLawChannel(t *testing.T, wav []byte, ch int) []byte {
	t.Helper()
	r, err := audio.NewWAVReader(bytes.NewReader(wav))
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	data = data[r.DataOffset():]
	var one []byte
	for i := ch; i < len(data); i += 2 {
		one = append(one, data[i])
	}
	var b bytes.Buffer
	audio.WriteHeader(&b, audio.ALawFormat(8000, 1), int64(len(one)))
	b.Write(one)
	return b.Bytes()
}

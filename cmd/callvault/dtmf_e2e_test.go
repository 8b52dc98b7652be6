package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/callvault/callvault/internal/audio"
	"github.com/callvault/callvault/internal/testenv"
)

// cardWAV is 8 kHz mu-law audio in which the test card number 4111 1111 1111 1111 is keyed as
// DTMF tones (70 ms on, 70 ms off, 600 ms between groups of four) on a quiet line.
func cardWAV(t *testing.T) []byte {
	t.Helper()
	freqs := map[byte][2]float64{'1': {697, 1209}, '4': {770, 1209}}
	var pcm []byte
	quiet := func(ms int) {
		for i := range ms * 8 {
			pcm = append(pcm, audio.MuLawEncode(int16(30*math.Sin(float64(len(pcm)+i)*0.7))))
		}
	}
	quiet(400)
	for _, group := range strings.Fields("4111 1111 1111 1111") {
		for _, d := range []byte(group) {
			f := freqs[d]
			for i := range 560 {
				ts := float64(i) / 8000
				pcm = append(pcm, audio.MuLawEncode(int16(6000*(math.Sin(2*math.Pi*f[0]*ts)+math.Sin(2*math.Pi*f[1]*ts)))))
			}
			quiet(70)
		}
		quiet(600)
	}
	var b bytes.Buffer
	audio.WriteHeader(&b, audio.MuLawFormat(8000, 1), int64(len(pcm)))
	b.Write(pcm)
	return b.Bytes()
}

// multimonDigits returns the DTMF digits multimon-ng, an independent decoder, hears in a WAV.
func multimonDigits(t *testing.T, wav []byte) string {
	t.Helper()
	var bins []string
	for _, name := range []string{"multimon-ng", "sox"} { // multimon-ng reads WAV through sox
		p, err := exec.LookPath(name)
		if err != nil {
			if os.Getenv(testenv.RequireExternal) == "1" {
				t.Fatalf("%s is not installed and %s=1: scripts/test.sh installs it", name, testenv.RequireExternal)
			}
			t.Skipf("%s is not installed; scripts/test.sh installs it", name)
		}
		bins = append(bins, p)
	}
	path := filepath.Join(t.TempDir(), "call.wav")
	if err := os.WriteFile(path, wav, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bins[0], "-q", "-c", "-a", "DTMF", "-t", "wav", path).CombinedOutput()
	if err != nil {
		t.Fatalf("multimon-ng: %v: %s", err, out)
	}
	var digits strings.Builder
	for _, line := range strings.Split(string(out), "\n") {
		if d, ok := strings.CutPrefix(strings.TrimSpace(line), "DTMF: "); ok {
			digits.WriteString(d)
		}
	}
	return digits.String()
}

// TestUploadMasksKeyedCardNumber: a server with dtmf_mask=all receives an upload in which the
// test card number is keyed as tones. multimon-ng hears all 16 digits in the upload and none
// in the stored audio, decrypted; the response says the audio was masked; the warning about
// card data names the recording; no log line, audit detail or catalogue file holds the digits.
func TestUploadMasksKeyedCardNumber(t *testing.T) {
	var logs syncBuffer
	s := startServerWith(t, func(m *Main) { m.Logger = slog.New(slog.NewTextHandler(&logs, nil)) },
		"--data", t.TempDir(), "--dtmf-mask", "all")
	token := createToken(t, s.data, "recorder", "pbx")
	wav := cardWAV(t)
	if got := multimonDigits(t, wav); got != "4111111111111111" {
		t.Fatalf("multimon-ng hears %q in the upload, want the card number", got)
	}

	r := uploadWAV(t, s.url, token, "card-call", wav)
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
	if got := multimonDigits(t, stored); got != "" {
		t.Errorf("multimon-ng hears %q in the stored audio", got)
	}
	if again := uploadWAV(t, s.url, token, "card-call", wav); again.status != http.StatusOK || again.body["id"] != id {
		t.Errorf("retry of the same upload: %d %s", again.status, again.raw)
	}

	s.stop()
	if !strings.Contains(logs.String(), "card data keyed on a recorded line") || !strings.Contains(logs.String(), id) {
		t.Errorf("no warning naming the recording in the log:\n%s", logs.String())
	}
	for _, digits := range []string{"4111111111111111", "4111 1111", "1111111111"} {
		if strings.Contains(logs.String(), digits) {
			t.Errorf("the log holds %q", digits)
		}
		if files := grepDir(t, s.data, []byte(digits)); len(files) > 0 {
			t.Errorf("%q found in %v", digits, files)
		}
	}
}

// TestDTMFMaskSetting: off by default, all and card map to the masker's options, anything else
// is refused naming the setting.
func TestDTMFMaskSetting(t *testing.T) {
	load := func(args ...string) (Config, error) {
		fs := newFlagSet(testEnv(io.Discard, io.Discard), "serve", "serve", true)
		if err := fs.Parse(args); err != nil {
			t.Fatal(err)
		}
		return LoadConfig(fs, func(k string) string {
			if k == "CALLVAULT_DTMF_MASK" && len(args) == 0 {
				return "card"
			}
			return ""
		})
	}
	cfg, err := load("--data", "x")
	if err != nil || cfg.DTMFMask != "all" {
		t.Fatalf("default: %q, %v, want all (every tone masked, as PCI DSS asks)", cfg.DTMFMask, err)
	}
	cfg, _ = load("--dtmf-mask", "off")
	if o, err := cfg.maskOptions(); o != nil || err != nil {
		t.Errorf("off gives %+v, %v", o, err)
	}
	cfg, _ = load("--dtmf-mask", "all")
	if o, err := cfg.maskOptions(); o == nil || o.KeepShortRuns || err != nil {
		t.Errorf("all gives %+v, %v", o, err)
	}
	cfg, _ = load()
	if o, err := cfg.maskOptions(); o == nil || !o.KeepShortRuns || err != nil {
		t.Errorf("CALLVAULT_DTMF_MASK=card gives %+v, %v", o, err)
	}
	if _, err := load("--dtmf-mask", "some"); err == nil || !strings.Contains(err.Error(), "dtmf_mask") {
		t.Errorf("a bad value gives %v, want an error naming dtmf_mask", err)
	}
}

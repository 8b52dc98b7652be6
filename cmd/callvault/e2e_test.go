package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/audio"
)

// TestEndToEnd: serve on port 0, create a token, upload PCM, mu-law and A-law WAVs, read each
// back byte-identical through Open, find no plaintext under the data directory, verify the audit.
func TestEndToEnd(t *testing.T) {
	s := startServer(t, "")
	token := createToken(t, s.data, "recorder", "pbx")

	for _, resp := range []string{"/healthz", "/readyz"} {
		r, err := http.Get(s.url + resp)
		if err != nil || r.StatusCode != 200 {
			t.Fatalf("GET %s: %v %v", resp, err, r)
		}
		r.Body.Close()
	}

	formats := map[string]audio.Format{
		"pcm":   audio.PCMFormat(16000, 1),
		"mulaw": audio.MuLawFormat(8000, 2),
		"alaw":  audio.ALawFormat(8000, 1),
	}
	type stored struct {
		id       string
		wav, pcm []byte
	}
	var all []stored
	for name, f := range formats {
		wav, pcm := makeWAV(t, f, 2.5)
		r := uploadWAV(t, s.url, token, "e2e-"+name, wav)
		if r.status != http.StatusCreated {
			t.Fatalf("%s: upload status %d: %s", name, r.status, r.raw)
		}
		sum := sha256.Sum256(wav)
		if r.body["plain_sha256"] != hex.EncodeToString(sum[:]) {
			t.Errorf("%s: plain_sha256 %v, want %x", name, r.body["plain_sha256"], sum)
		}
		if d, _ := r.body["duration_seconds"].(float64); d < 2.49 || d > 2.51 {
			t.Errorf("%s: duration %v, want 2.5", name, r.body["duration_seconds"])
		}
		all = append(all, stored{id: r.body["id"].(string), wav: wav, pcm: pcm})

		// A retry of the same source id answers 200 with the same recording.
		again := uploadWAV(t, s.url, token, "e2e-"+name, wav)
		if again.status != http.StatusOK || again.body["id"] != r.body["id"] {
			t.Errorf("%s: retry got %d %v, want 200 with id %v", name, again.status, again.body["id"], r.body["id"])
		}
		other, _ := makeWAV(t, f, 2.5)
		if clash := uploadWAV(t, s.url, token, "e2e-"+name, other); clash.status != http.StatusConflict {
			t.Errorf("%s: same source id with other audio got %d %s, want 409", name, clash.status, clash.raw)
		}
	}

	ctx := context.Background()
	for _, st := range all {
		a, err := s.main.Archive.Open(ctx, "test", st.id, "e2e check")
		if err != nil {
			t.Fatalf("open %s: %v", st.id, err)
		}
		got, err := io.ReadAll(io.NewSectionReader(a, 0, a.Size()))
		a.Close()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, st.wav) {
			t.Errorf("recording %s does not come back byte-identical (%d vs %d bytes)", st.id, len(got), len(st.wav))
		}
		// No file under the data directory holds any 64-byte run of the plaintext audio.
		for off := 0; off+64 <= len(st.pcm); off += len(st.pcm) / 8 {
			if hits := grepDir(t, s.data, st.pcm[off:off+64]); len(hits) > 0 {
				t.Fatalf("plaintext audio of %s found in %v", st.id, hits)
			}
		}
	}
	// The opens were audited with their purpose.
	evs, err := s.main.Catalogue.AuditEvents(ctx, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var opens, ingests int
	for _, ev := range evs {
		switch ev.Action {
		case callvault.ActionRecordingOpen:
			opens++
			if ev.Purpose != "e2e check" {
				t.Errorf("open event without purpose: %+v", ev)
			}
		case callvault.ActionRecordingIngest:
			ingests++
		}
	}
	if opens != 3 || ingests != 3 {
		t.Errorf("audit has %d opens and %d ingests, want 3 and 3", opens, ingests)
	}

	s.stop()
	if code, out, errOut := cli(t, "audit", "verify", "--data", s.data); code != 0 {
		t.Fatalf("audit verify: exit %d\n%s%s", code, out, errOut)
	}
}

// TestBadUploads: bad input gets a clear 4xx problem and nothing is stored.
func TestBadUploads(t *testing.T) {
	s := startServer(t, "", "--max-upload", "64KiB")
	token := createToken(t, s.data, "recorder", "pbx")
	auditor := createToken(t, s.data, "auditor", "aud")
	good, _ := makeWAV(t, audio.MuLawFormat(8000, 1), 1)
	big, _ := makeWAV(t, audio.MuLawFormat(8000, 1), 9) // 72 000 bytes of audio > 64 KiB
	meta := metaJSON("bad-1", nil)
	float := append([]byte(nil), good...)
	float[20] = 3 // WAVE_FORMAT_IEEE_FLOAT
	mp3 := append([]byte("ID3\x03\x00\x00\x00\x00\x00\x00"), bytes.Repeat([]byte{0xff, 0xfb, 0x90, 0x64}, 100)...)
	mp := func(parts ...part) ([]byte, string) { return multipartBody(parts...) }
	m := func(b []byte) part { return part{name: "metadata", body: b} }
	a := func(b []byte) part { return part{name: "audio", filename: "x.wav", body: b} }

	cases := []struct {
		name   string
		token  string
		body   func() ([]byte, string)
		status int
		detail string
	}{
		{"no token", "", func() ([]byte, string) { return mp(m(meta), a(good)) }, 401, ""},
		{"wrong token", "cv_nope", func() ([]byte, string) { return mp(m(meta), a(good)) }, 401, ""},
		{"auditor role", auditor, func() ([]byte, string) { return mp(m(meta), a(good)) }, 403, ""},
		{"not multipart", token, func() ([]byte, string) { return good, "audio/wav" }, 415, "multipart"},
		{"empty body", token, func() ([]byte, string) { return nil, "multipart/form-data; boundary=x" }, 400, ""},
		{"audio missing", token, func() ([]byte, string) { return mp(m(meta)) }, 400, "audio"},
		{"metadata missing", token, func() ([]byte, string) { return mp(a(good)) }, 400, "metadata"},
		{"audio before metadata", token, func() ([]byte, string) { return mp(a(good), m(meta)) }, 400, "metadata"},
		{"malformed JSON", token, func() ([]byte, string) { return mp(m([]byte(`{"started_at":`)), a(good)) }, 400, ""},
		{"unknown field", token, func() ([]byte, string) { return mp(m(metaJSON("bad-2", map[string]any{"colour": "red"})), a(good)) }, 400, "colour"},
		{"bad date", token, func() ([]byte, string) {
			return mp(m(metaJSON("bad-3", map[string]any{"started_at": "20/11/2026 10:00"})), a(good))
		}, 400, "started_at"},
		{"missing source_id", token, func() ([]byte, string) { return mp(m(metaJSON("", map[string]any{"source_id": nil})), a(good)) }, 400, "source_id"},
		{"bad direction", token, func() ([]byte, string) {
			return mp(m(metaJSON("bad-4", map[string]any{"direction": "sideways"})), a(good))
		}, 400, "direction"},
		{"bad phone number type", token, func() ([]byte, string) {
			return mp(m(metaJSON("bad-5", map[string]any{"external_number": 7700900123})), a(good))
		}, 400, "external_number"},
		{"words as a phone number", token, func() ([]byte, string) {
			return mp(m(metaJSON("bad-6", map[string]any{"external_number": "call me maybe"})), a(good))
		}, 400, "external_number"},
		{"party number without digits", token, func() ([]byte, string) {
			return mp(m(metaJSON("bad-7", map[string]any{"parties": []map[string]string{{"name": "Jane Doe", "number": "!!!"}}})), a(good))
		}, 400, "parties[0].number"},
		{"empty audio", token, func() ([]byte, string) { return mp(m(meta), a(nil)) }, 400, "empty"},
		{"not RIFF", token, func() ([]byte, string) { return mp(m(meta), a([]byte("hello, this is not audio at all"))) }, 400, "RIFF"},
		{"renamed MP3", token, func() ([]byte, string) { return mp(m(meta), a(mp3)) }, 400, ""},
		{"truncated header", token, func() ([]byte, string) { return mp(m(meta), a(good[:30])) }, 400, ""},
		{"truncated data", token, func() ([]byte, string) { return mp(m(meta), a(good[:len(good)-1000])) }, 400, "truncated"},
		{"float WAV", token, func() ([]byte, string) { return mp(m(meta), a(float)) }, 415, ""},
		{"too large", token, func() ([]byte, string) { return mp(m(meta), a(big)) }, 413, ""},
		{"extra part", token, func() ([]byte, string) { return mp(m(meta), a(good), part{name: "x", body: []byte("1")}) }, 400, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			body, ct := c.body()
			r := upload(t, s.url, c.token, body, ct)
			if r.status != c.status {
				t.Fatalf("status %d, want %d: %s", r.status, c.status, r.raw)
			}
			if !strings.HasPrefix(r.ctype, "application/problem+json") {
				t.Errorf("content type %q, want problem+json", r.ctype)
			}
			if detail, _ := r.body["detail"].(string); !strings.Contains(strings.ToLower(detail), strings.ToLower(c.detail)) || detail == "" {
				t.Errorf("detail %q does not mention %q", detail, c.detail)
			}
		})
	}
	// Nothing was stored: no recordings, no blobs, no temporary files.
	recs, err := s.main.Catalogue.ListRecordings(context.Background(), "", 10)
	if err != nil || len(recs) != 0 {
		t.Fatalf("recordings after bad uploads: %d (%v)", len(recs), err)
	}
	var files []string
	filepath.Walk(filepath.Join(s.data, "blobs"), func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			files = append(files, p)
		}
		return nil
	})
	if len(files) != 0 {
		t.Fatalf("files left in the blob store: %v", files)
	}
	// And the server still works.
	if r := uploadWAV(t, s.url, token, "good-after-bad", good); r.status != 201 {
		t.Fatalf("good upload after bad ones: %d %s", r.status, r.raw)
	}
}

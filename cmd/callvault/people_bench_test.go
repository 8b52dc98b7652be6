package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/access"
	"github.com/callvault/callvault/internal/audio"
	"github.com/callvault/callvault/internal/identity"
)

// BenchmarkSeekTTFB measures the time to the first byte of a 64 KiB Range request at minute 50
// of a one-hour stereo G.711 recording (57.6 MB) through the HTTP API (session cookie, grant
// check, decryption of the chunks needed), next to reading the same range of the plain file.
// It reports p50 and p99 in milliseconds; compare the two sub-benchmarks as a ratio.
func BenchmarkSeekTTFB(b *testing.B) {
	f := audio.MuLawFormat(8000, 2)
	seconds := 3600.0
	wav, _ := makeWAV(b, f, seconds)
	offset := int64(44 + 50*60*8000*2)
	rng := fmt.Sprintf("bytes=%d-%d", offset, offset+65535)

	b.Run("plain-file", func(b *testing.B) {
		path := filepath.Join(b.TempDir(), "call.wav")
		if err := os.WriteFile(path, wav, 0o600); err != nil {
			b.Fatal(err)
		}
		fh, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		defer fh.Close()
		buf := make([]byte, 65536)
		var lat []time.Duration
		for b.Loop() {
			start := time.Now()
			if _, err := fh.ReadAt(buf[:1], offset); err != nil {
				b.Fatal(err)
			}
			lat = append(lat, time.Since(start))
			fh.ReadAt(buf, offset)
		}
		reportLatency(b, lat)
	})

	// A new listening each time: a fresh session, so every request opens the recording and
	// appends its recording.listen event before the first byte.
	b.Run("http-api-new-listening", func(b *testing.B) {
		url, _, id, m := seekFixtureMain(b, wav)
		var lat []time.Duration
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			in, err := m.Identity.Login(context.Background(), "sam", "tortoise lamp river 42", "", fmt.Sprintf("127.0.0.%d", i%200+1))
			if err != nil {
				b.Fatal(err)
			}
			req, _ := http.NewRequest("GET", url+"/api/v1/recordings/"+id+"/audio", nil)
			req.Header.Set("Range", rng)
			req.Header.Set("Cookie", "callvault_session="+in.Secret)
			b.StartTimer()
			start := time.Now()
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			var one [1]byte
			if _, err := io.ReadFull(resp.Body, one[:]); err != nil || resp.StatusCode != 206 {
				b.Fatalf("status %d: %v", resp.StatusCode, err)
			}
			lat = append(lat, time.Since(start))
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		reportLatency(b, lat)
	})

	b.Run("http-api", func(b *testing.B) {
		url, cookie, id := seekFixture(b, wav)
		var lat []time.Duration
		for b.Loop() {
			req, _ := http.NewRequest("GET", url+"/api/v1/recordings/"+id+"/audio", nil)
			req.Header.Set("Range", rng)
			req.Header.Set("Cookie", "callvault_session="+cookie)
			start := time.Now()
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			var one [1]byte
			if _, err := io.ReadFull(resp.Body, one[:]); err != nil || resp.StatusCode != 206 {
				b.Fatalf("status %d: %v", resp.StatusCode, err)
			}
			lat = append(lat, time.Since(start))
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		reportLatency(b, lat)
	})
}

func reportLatency(b *testing.B, lat []time.Duration) {
	slices.Sort(lat)
	q := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(q(0.5), "p50-ms")
	b.ReportMetric(q(0.99), "p99-ms")
}

// seekFixture serves a vault holding wav, with a staff user granted it; it returns the base
// URL, the user's session cookie and the recording id.
func seekFixture(b *testing.B, wav []byte) (url, cookie, id string) {
	url, cookie, id, _ = seekFixtureMain(b, wav)
	return url, cookie, id
}

func seekFixtureMain(b *testing.B, wav []byte) (url, cookie, id string, m *Main) {
	ctx := context.Background()
	fs := newFlagSet(testEnv(io.Discard, io.Discard), "serve", "serve", true)
	fs.Parse([]string{"--data", b.TempDir(), "--http", "127.0.0.1:0", "--log-level", "error", "--max-upload", "1GiB"})
	cfg, err := LoadConfig(fs, func(string) string { return "" })
	if err != nil {
		b.Fatal(err)
	}
	m = NewMain(cfg, io.Discard, io.Discard)
	sctx, cancel := context.WithCancel(ctx)
	ready, done := make(chan string, 1), make(chan error, 1)
	go func() { done <- m.Serve(sctx, ready) }()
	select {
	case url = <-ready:
	case err := <-done:
		b.Fatal(err)
	}
	b.Cleanup(func() { cancel(); <-done })

	rec := &callvault.Recording{StartedAt: time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC), Source: callvault.SourceUpload,
		SourceID: "hour", Extensions: []string{"201"}}
	stored, _, err := m.Archive.Ingest(ctx, callvault.IngestRequest{Actor: "bench", Recording: rec, Audio: bytes.NewReader(wav)})
	if err != nil {
		b.Fatal(err)
	}
	const password = "tortoise lamp river 42"
	signIn := func(name string, role callvault.Role, code string) (*callvault.Principal, string) {
		if code == "" {
			if _, _, err := m.Identity.AddUser(ctx, callvault.Operator("cli:bench"), identity.NewUser{Name: name, Roles: []callvault.Role{role}, Password: password}); err != nil {
				b.Fatal(err)
			}
		}
		in, err := m.Identity.Login(ctx, name, password, code, "127.0.0.1")
		if err != nil {
			b.Fatal(err)
		}
		p, _ := m.Identity.Authenticate(ctx, in.Secret)
		if err := m.Identity.AcknowledgeNotice(ctx, p, identity.DefaultNotice.Version); err != nil {
			b.Fatal(err)
		}
		p, _ = m.Identity.Authenticate(ctx, in.Secret)
		return p, in.Secret
	}
	staff, secret := signIn("sam", callvault.RoleStaff, "")
	mgr, _ := signIn("mia", callvault.RoleManager, "")
	en, err := m.Identity.BeginTOTP(ctx, mgr)
	if err != nil {
		b.Fatal(err)
	}
	code, _ := totp.GenerateCode(en.Secret, time.Now())
	if _, err := m.Identity.ConfirmTOTP(ctx, mgr, code); err != nil {
		b.Fatal(err)
	}
	mgr.SecondFactor = true
	r, err := m.Access.CreateRequest(ctx, staff, access.RequestInput{Purpose: "quality", Reason: "benchmark of seeking", Extension: "201",
		CallTime: "2026-11-20T10:00:00Z"})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := m.Access.Approve(ctx, mgr, r.ID, access.ApproveInput{Statement: "approved for the benchmark"}); err != nil {
		b.Fatal(err)
	}
	return url, secret, stored.ID, m
}

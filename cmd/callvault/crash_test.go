package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/audio"
)

// TestCrashDuringUploads kills the server with SIGKILL while uploads are in flight. After a
// restart every upload that got a 2xx is present and intact, an orphan blob (as a crash between
// blob commit and row commit leaves) is removed at start and audited, and the audit verifies.
func TestCrashDuringUploads(t *testing.T) {
	data := t.TempDir()
	p := startProcess(t, "serve", "--data", data, "--http", "127.0.0.1:0", "--log-level", "warn")
	token := createToken(t, data, "recorder", "pbx")

	type ack struct {
		id, sha string
		wav     []byte
	}
	var (
		mu    sync.Mutex
		acked []ack
		wg    sync.WaitGroup
	)
	enough := make(chan struct{})
	var once sync.Once
	stop := make(chan struct{})
	for w := 0; w < 6; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				wav, _ := makeWAV(t, audio.MuLawFormat(8000, 1), 8) // 64 KB of audio
				r, err := tryUpload(p.url, token, fmt.Sprintf("crash-%d-%d", w, i), wav)
				if err != nil {
					return // the server is gone
				}
				if r.status/100 == 2 {
					sum := sha256.Sum256(wav)
					mu.Lock()
					acked = append(acked, ack{id: r.body["id"].(string), sha: hex.EncodeToString(sum[:]), wav: wav})
					if len(acked) >= 30 {
						once.Do(func() { close(enough) })
					}
					mu.Unlock()
				}
			}
		}(w)
	}
	select {
	case <-enough:
	case <-time.After(90 * time.Second):
		t.Fatalf("uploads too slow; server output: %s", p.out.String())
	}
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	p.cmd.Wait()
	close(stop)
	wg.Wait()
	t.Logf("%d uploads acknowledged before SIGKILL", len(acked))

	// What a crash between committing the blob and committing the row leaves behind.
	orphanID := callvault.NewID()
	orphan := filepath.Join(data, "blobs", "recordings", "2026", "11", orphanID+".age")
	if err := os.MkdirAll(filepath.Dir(orphan), 0o700); err != nil {
		t.Fatal(err)
	}
	junk := make([]byte, 4096)
	rand.Read(junk)
	if err := os.WriteFile(orphan, junk, 0o600); err != nil {
		t.Fatal(err)
	}

	p2 := startProcess(t, "serve", "--data", data, "--http", "127.0.0.1:0", "--log-level", "warn")
	if _, err := os.Stat(orphan); !os.IsNotExist(err) {
		t.Errorf("orphan blob still present after restart (%v)", err)
	}
	// The restarted server accepts uploads.
	wav, _ := makeWAV(t, audio.MuLawFormat(8000, 1), 1)
	if r, err := tryUpload(p2.url, token, "after-restart", wav); err != nil || r.status != 201 {
		t.Fatalf("upload after restart: %v %+v", err, r)
	}
	p2.cmd.Process.Signal(syscall.SIGTERM)
	if err := p2.cmd.Wait(); err != nil {
		t.Fatalf("server did not stop cleanly: %v\n%s", err, p2.out.String())
	}

	// Every acknowledged upload is present and byte-identical.
	fs := newFlagSet(testEnv(io.Discard, io.Discard), "x", "x", true)
	fs.Parse([]string{"--data", data, "--log-level", "error"})
	cfg, err := LoadConfig(fs, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	m := NewMain(cfg, io.Discard, io.Discard)
	ctx := context.Background()
	if err := m.Open(ctx); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	for _, a := range acked {
		r, err := m.Catalogue.Recording(ctx, a.id)
		if err != nil {
			t.Fatalf("acknowledged recording %s lost: %v", a.id, err)
		}
		if r.PlainSHA256 != a.sha {
			t.Errorf("recording %s hash %s, want %s", a.id, r.PlainSHA256, a.sha)
		}
		au, err := m.Archive.Open(ctx, "test", a.id, "crash test")
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(io.NewSectionReader(au, 0, au.Size()))
		au.Close()
		if !bytes.Equal(got, a.wav) {
			t.Errorf("recording %s differs after crash", a.id)
		}
	}
	// The orphan's removal was audited.
	evs, err := m.Catalogue.AuditEvents(ctx, 0, 100000)
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, ev := range evs {
		if ev.Action == callvault.ActionOrphanBlobDelete && strings.Contains(ev.Object, orphanID) {
			found = true
		}
	}
	if !found {
		t.Error("no audit event for the removed orphan blob")
	}
	m.Close()
	if code, out, errOut := cli(t, "audit", "verify", "--data", data); code != 0 {
		t.Fatalf("audit verify after crash: exit %d\n%s%s", code, out, errOut)
	}
}

// tryUpload is upload without t.Fatal, for goroutines racing a crash.
func tryUpload(url, token, sourceID string, wav []byte) (uploadResult, error) {
	body, ct := multipartBody(part{name: "metadata", body: metaJSON(sourceID, nil)}, part{name: "audio", filename: "a.wav", body: wav})
	return doUpload(url, token, body, ct)
}

package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/audio"
	"github.com/callvault/callvault/internal/storetest"
	"github.com/callvault/callvault/internal/vault"
)

// A 3-minute mono G.711 call: 8000 bytes/s * 180 s = 1.44 MB.
func callWAV(b *testing.B) []byte {
	wav, _ := makeWAV(b, audio.MuLawFormat(8000, 1), 180)
	return wav
}

// benchMain opens a Main on the embedded stores or, for "scaleout", on a fresh PostgreSQL
// database and S3 bucket (skipped when they are not configured, as in the tests).
func benchMain(b *testing.B, backend string) *Main {
	args := []string{"--data", b.TempDir(), "--log-level", "error"}
	if backend == "scaleout" {
		dbURL, blobURL, _ := scaleOut(b)
		args = append(args, "--db", dbURL, "--blob", blobURL)
	}
	fs := newFlagSet(testEnv(nil, nil), "b", "b", true)
	fs.Parse(args)
	cfg, err := LoadConfig(fs, func(string) string { return "" })
	if err != nil {
		b.Fatal(err)
	}
	m := NewMain(cfg, nil, nil)
	if err := m.Open(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { m.Close() })
	return m
}

// BenchmarkIngest measures durable ingest of a 3-minute G.711 call (validate, encrypt, write,
// fsync or S3 acknowledgement, commit row and audit event). Compare embedded with
// BenchmarkBaselineWriteFsync, which only writes and fsyncs the same bytes.
func BenchmarkIngest(b *testing.B) {
	for _, backend := range []string{"embedded", "scaleout"} {
		b.Run(backend, func(b *testing.B) {
			wav := callWAV(b)
			m := benchMain(b, backend)
			b.SetBytes(int64(len(wav)))
			i := 0
			for b.Loop() {
				rec := &callvault.Recording{StartedAt: time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC), Source: callvault.SourceUpload, SourceID: fmt.Sprintf("bench-%d", i)}
				i++
				if _, _, err := m.Archive.Ingest(context.Background(), callvault.IngestRequest{Actor: "bench", Recording: rec, Audio: bytes.NewReader(wav)}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "recordings/s")
		})
	}
}

// BenchmarkBaselineWriteFsync writes and fsyncs the same bytes to a new file per recording.
func BenchmarkBaselineWriteFsync(b *testing.B) {
	wav := callWAV(b)
	dir := b.TempDir()
	b.SetBytes(int64(len(wav)))
	i := 0
	for b.Loop() {
		f, err := os.Create(filepath.Join(dir, fmt.Sprintf("%d.wav", i)))
		i++
		if err != nil {
			b.Fatal(err)
		}
		if _, err := f.Write(wav); err != nil {
			b.Fatal(err)
		}
		if err := f.Sync(); err != nil {
			b.Fatal(err)
		}
		f.Close()
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "recordings/s")
}

// BenchmarkSubjectSearch measures "every recording of this number" among 10,000 recordings on
// each catalogue.
func BenchmarkSubjectSearch(b *testing.B) {
	for _, backend := range []string{"embedded", "scaleout"} {
		b.Run(backend, func(b *testing.B) {
			m := benchMain(b, backend)
			storetest.BenchFind(b, m.Catalogue, 10000, false)
		})
	}
}

// BenchmarkIngestVsBaseline alternates one durable ingest with one plain write+fsync of the same
// bytes, so that both see the same disk and machine load, and reports both rates and their ratio.
func BenchmarkIngestVsBaseline(b *testing.B) {
	wav := callWAV(b)
	m := benchMain(b, "embedded")
	dir := b.TempDir()
	var ingest, baseline time.Duration
	i := 0
	for b.Loop() {
		t0 := time.Now()
		rec := &callvault.Recording{StartedAt: time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC), Source: callvault.SourceUpload, SourceID: fmt.Sprintf("vs-%d", i)}
		if _, _, err := m.Archive.Ingest(context.Background(), callvault.IngestRequest{Actor: "bench", Recording: rec, Audio: bytes.NewReader(wav)}); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		f, err := os.Create(filepath.Join(dir, fmt.Sprintf("%d.wav", i)))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := f.Write(wav); err != nil {
			b.Fatal(err)
		}
		if err := f.Sync(); err != nil {
			b.Fatal(err)
		}
		f.Close()
		ingest += t1.Sub(t0)
		baseline += time.Since(t1)
		i++
	}
	b.ReportMetric(float64(i)/ingest.Seconds(), "ingest/s")
	b.ReportMetric(float64(i)/baseline.Seconds(), "baseline/s")
	b.ReportMetric(baseline.Seconds()/ingest.Seconds(), "ratio")
	b.ReportMetric(cryptoCPU(b, m, wav).Seconds()*1000, "crypto-cpu-ms")
}

// cryptoCPU returns the CPU time, on one core, of the cryptography every ingest must do on top of
// the baseline's write and fsync: age sealing (ChaCha20-Poly1305) and the SHA-256 of both the
// plaintext and the ciphertext. Ingest spreads it over the cores; on a machine with few cores it
// bounds how close ingest can come to the baseline.
func cryptoCPU(b *testing.B, m *Main, wav []byte) time.Duration {
	r, err := m.Keys.Recipient(vault.VaultEpoch)
	if err != nil {
		b.Fatal(err)
	}
	const n = 20
	start := time.Now()
	for range n {
		stored := sha256.New()
		_, w, err := vault.Seal(stored, r)
		if err != nil {
			b.Fatal(err)
		}
		w.Write(wav)
		w.Close()
		sha256.Sum256(wav)
		stored.Sum(nil)
	}
	return time.Since(start) / n
}

// BenchmarkIngestVsBaselineConcurrent is the same comparison with four concurrent writers on each
// side, as a node sees when several PBX uploads or SIPREC calls end at once. Phases of 20
// recordings alternate so that both sides share the machine's drift.
func BenchmarkIngestVsBaselineConcurrent(b *testing.B) {
	const workers, phase = 4, 20
	wav := callWAV(b)
	m := benchMain(b, "embedded")
	dir := b.TempDir()
	var ingest, baseline time.Duration
	var n, seq int
	run := func(f func(i int)) time.Duration {
		start := time.Now()
		var wg sync.WaitGroup
		next := make(chan int)
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range next {
					f(i)
				}
			}()
		}
		for k := 0; k < phase; k++ {
			seq++
			next <- seq
		}
		close(next)
		wg.Wait()
		return time.Since(start)
	}
	for b.Loop() {
		ingest += run(func(i int) {
			rec := &callvault.Recording{StartedAt: time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC), Source: callvault.SourceUpload, SourceID: fmt.Sprintf("c-%d", i)}
			if _, _, err := m.Archive.Ingest(context.Background(), callvault.IngestRequest{Actor: "bench", Recording: rec, Audio: bytes.NewReader(wav)}); err != nil {
				b.Error(err)
			}
		})
		baseline += run(func(i int) {
			f, err := os.Create(filepath.Join(dir, fmt.Sprintf("%d.wav", i)))
			if err != nil {
				b.Error(err)
				return
			}
			f.Write(wav)
			f.Sync()
			f.Close()
		})
		n += phase
	}
	b.ReportMetric(float64(n)/ingest.Seconds(), "ingest/s")
	b.ReportMetric(float64(n)/baseline.Seconds(), "baseline/s")
	b.ReportMetric(baseline.Seconds()/ingest.Seconds(), "ratio")
}

package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/audio"
)

// A 3-minute mono G.711 call: 8000 bytes/s * 180 s = 1.44 MB.
func callWAV(b *testing.B) []byte {
	wav, _ := makeWAV(b, audio.MuLawFormat(8000, 1), 180)
	return wav
}

// BenchmarkIngest measures durable ingest (validate, encrypt, write, fsync, commit row and audit
// event) on the embedded stores. Compare with BenchmarkBaselineWriteFsync.
func BenchmarkIngest(b *testing.B) {
	wav := callWAV(b)
	fs := newFlagSet(testEnv(nil, nil), "b", "b", true)
	fs.Parse([]string{"--data", b.TempDir(), "--log-level", "error"})
	cfg, err := LoadConfig(fs, func(string) string { return "" })
	if err != nil {
		b.Fatal(err)
	}
	m := NewMain(cfg, nil, nil)
	if err := m.Open(context.Background()); err != nil {
		b.Fatal(err)
	}
	defer m.Close()
	b.SetBytes(int64(len(wav)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rec := &callvault.Recording{StartedAt: time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC), Source: callvault.SourceUpload, SourceID: fmt.Sprintf("bench-%d", i)}
		if _, _, err := m.Archive.Ingest(context.Background(), callvault.IngestRequest{Actor: "bench", Recording: rec, Audio: bytes.NewReader(wav)}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "recordings/s")
}

// BenchmarkBaselineWriteFsync writes and fsyncs the same bytes to a new file per recording.
func BenchmarkBaselineWriteFsync(b *testing.B) {
	wav := callWAV(b)
	dir := b.TempDir()
	b.SetBytes(int64(len(wav)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
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
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "recordings/s")
}

package retention_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/fileblob"
	"github.com/callvault/callvault/internal/postgres"
	"github.com/callvault/callvault/internal/postgres/pgtest"
	"github.com/callvault/callvault/internal/retention"
	"github.com/callvault/callvault/internal/sqlite"
)

// BenchmarkSweep measures recordings deleted per second by the retention sweep (catalogue row
// shredded and tombstoned, receipt appended, blob deleted) on SQLite and on PostgreSQL, each
// with local files, and projects the time to sweep 1,000,000 expired recordings (goal: under 5
// minutes on SQLite and local files). Each backend runs three ways in the same run:
// one-by-one is the sweep before batching (one DeleteRecording transaction per recording, one
// blob Delete, with its directory fsync, at a time), the baseline; batched is the sweep as it
// runs (one DeleteRecordings transaction and one DeleteBlobs call per 500 recordings);
// catalogue-only is batched without the blob deletes, to show what they cost. CALLVAULT_BENCH_SWEEP_N sets the recordings per iteration
// (default 2,000; quote figures from 20,000 or more).
//
//	CALLVAULT_BENCH_SWEEP_N=20000 go test -run '^$' -bench Sweep -benchtime 1x ./internal/retention/
func BenchmarkSweep(b *testing.B) {
	n := 2000 // recordings per iteration
	if v := os.Getenv("CALLVAULT_BENCH_SWEEP_N"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 {
			b.Fatalf("CALLVAULT_BENCH_SWEEP_N=%q: want a positive number", v)
		}
	}
	backends := map[string]func(b *testing.B) callvault.Catalogue{
		"sqlite": func(b *testing.B) callvault.Catalogue {
			db, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "catalogue.db"))
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { db.Close() })
			return db
		},
	}
	if os.Getenv("CALLVAULT_TEST_PG") != "" {
		backends["postgres"] = func(b *testing.B) callvault.Catalogue {
			db, err := postgres.Open(context.Background(), pgtest.NewTestDatabase(b))
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { db.Close() })
			return db
		}
	}
	for _, name := range []string{"sqlite", "postgres"} {
		open := backends[name]
		if open == nil {
			continue
		}
		for _, way := range []string{"one-by-one", "batched", "catalogue-only"} {
			b.Run(name+"/"+way, func(b *testing.B) {
				var total time.Duration
				for range b.N {
					b.StopTimer()
					cat := open(b)
					blobs, err := fileblob.Open(filepath.Join(b.TempDir(), "blobs"))
					if err != nil {
						b.Fatal(err)
					}
					seed(b, cat, blobs, n)
					s := &retention.Sweeper{Catalogue: cat, Blobs: blobs, Batch: 500}
					switch way {
					case "one-by-one":
						s.Catalogue, s.Blobs, s.Workers = oneByOne{cat}, oneBlobAtATime{blobs}, 1
					case "catalogue-only":
						s.Blobs = nopBlobs{blobs}
					}
					b.StartTimer()
					start := time.Now()
					res, err := s.RunOnce(context.Background())
					total += time.Since(start)
					if err != nil || res.Deleted != n {
						b.Fatalf("deleted %d (%v)", res.Deleted, err)
					}
				}
				perSec := float64(n*b.N) / total.Seconds()
				b.ReportMetric(perSec, "recordings/s")
				b.ReportMetric(1e6/perSec/60, "min/1M")
				b.ReportMetric(0, "ns/op")
			})
		}
	}
}

// oneByOne is a catalogue without callvault.RecordingBatchDeleter: the sweep falls back to one
// DeleteRecording per recording, as it ran before batching. It keeps the catalogue's Compactor.
type oneByOne struct{ callvault.Catalogue }

func (o oneByOne) Compact(ctx context.Context) error {
	if c, ok := o.Catalogue.(callvault.Compactor); ok {
		return c.Compact(ctx)
	}
	return nil
}

// oneBlobAtATime is a blob store without callvault.BlobBatchDeleter.
type oneBlobAtATime struct{ callvault.BlobStore }

// nopBlobs is a blob store whose deletes do nothing (the catalogue-only measurement).
type nopBlobs struct{ callvault.BlobStore }

func (nopBlobs) Delete(context.Context, string) error { return nil }

// seed stores n expired recordings with 1 KB blobs, directly through the stores, 8 at a time
// (each create waits mostly on its commit).
func seed(b *testing.B, cat callvault.Catalogue, blobs callvault.BlobStore, n int) {
	ctx := context.Background()
	payload := make([]byte, 1024)
	old := time.Now().AddDate(-1, 0, 0)
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += 8 {
				if err := seedOne(ctx, cat, blobs, i, old, payload); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if b.Failed() {
		b.FailNow()
	}
}

func seedOne(ctx context.Context, cat callvault.Catalogue, blobs callvault.BlobStore, i int, old time.Time, payload []byte) error {
	id := callvault.NewID()
	key := fmt.Sprintf("recordings/2025/01/%s.age", id)
	w, err := blobs.Create(ctx, key)
	if err != nil {
		return err
	}
	w.Write(payload)
	if err := w.Commit(); err != nil {
		return err
	}
	r := &callvault.Recording{ID: id, StartedAt: old, Source: callvault.SourceImport, SourceID: fmt.Sprint("bench-", i),
		BlobKey: key, Header: make([]byte, 1500), RetainUntil: old.AddDate(0, 6, 0), CreatedAt: old,
		Parties: []callvault.Party{{Name: fmt.Sprint("Person ", i), Number: callvault.Number{E164: fmt.Sprintf("+4477009%05d", i%100000)}}}}
	ev := &callvault.AuditEvent{Time: time.Now(), Actor: "bench", Action: callvault.ActionRecordingIngest, Object: "recording:" + id}
	return cat.CreateRecording(ctx, r, ev)
}

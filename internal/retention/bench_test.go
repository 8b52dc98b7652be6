package retention_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
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
// minutes on SQLite and local files). The baseline, measured in the same run, is the catalogue
// deletes alone (no blob store), so the report shows what the blob deletes add.
//
//	go test -run '^$' -bench Sweep -benchtime 3x ./internal/retention/
func BenchmarkSweep(b *testing.B) {
	const n = 2000 // recordings per iteration
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
		for _, withBlobs := range []bool{false, true} {
			label := name + "/catalogue-only"
			if withBlobs {
				label = name + "/sweep"
			}
			b.Run(label, func(b *testing.B) {
				var total time.Duration
				for range b.N {
					b.StopTimer()
					cat := open(b)
					blobs, err := fileblob.Open(filepath.Join(b.TempDir(), "blobs"))
					if err != nil {
						b.Fatal(err)
					}
					seed(b, cat, blobs, n)
					var store callvault.BlobStore = nopBlobs{blobs}
					if withBlobs {
						store = blobs
					}
					s := &retention.Sweeper{Catalogue: cat, Blobs: store, Batch: 500}
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

// nopBlobs is a blob store whose deletes do nothing (the baseline).
type nopBlobs struct{ callvault.BlobStore }

func (nopBlobs) Delete(context.Context, string) error { return nil }

// seed stores n expired recordings with 1 KB blobs, directly through the stores.
func seed(b *testing.B, cat callvault.Catalogue, blobs callvault.BlobStore, n int) {
	ctx := context.Background()
	payload := make([]byte, 1024)
	old := time.Now().AddDate(-1, 0, 0)
	for i := range n {
		id := callvault.NewID()
		key := fmt.Sprintf("recordings/2025/01/%s.age", id)
		w, err := blobs.Create(ctx, key)
		if err != nil {
			b.Fatal(err)
		}
		w.Write(payload)
		if err := w.Commit(); err != nil {
			b.Fatal(err)
		}
		r := &callvault.Recording{ID: id, StartedAt: old, Source: callvault.SourceImport, SourceID: fmt.Sprint("bench-", i),
			BlobKey: key, Header: make([]byte, 1500), RetainUntil: old.AddDate(0, 6, 0), CreatedAt: old,
			Parties: []callvault.Party{{Name: fmt.Sprint("Person ", i), Number: callvault.Number{E164: fmt.Sprintf("+4477009%05d", i)}}}}
		ev := &callvault.AuditEvent{Time: time.Now(), Actor: "bench", Action: callvault.ActionRecordingIngest, Object: "recording:" + id}
		if err := cat.CreateRecording(ctx, r, ev); err != nil {
			b.Fatal(err)
		}
	}
}

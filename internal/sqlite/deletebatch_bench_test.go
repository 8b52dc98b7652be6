package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/callvault/callvault"
)

// BenchmarkDeleteRecordingsSecureDelete measures DeleteRecordings (batches of 500) with
// SQLite's secure_delete on, as the catalogue runs, against off, in the same run: the cost of
// zeroing what a deletion frees, so that no shredded header stays in the file's free pages.
//
//	go test -run '^$' -bench DeleteRecordingsSecureDelete -benchtime 1x ./internal/sqlite/
func BenchmarkDeleteRecordingsSecureDelete(b *testing.B) {
	const n = 10000
	for _, mode := range []string{"on", "off"} {
		b.Run("secure_delete="+mode, func(b *testing.B) {
			var total time.Duration
			for range b.N {
				b.StopTimer()
				ctx := context.Background()
				db, err := Open(ctx, filepath.Join(b.TempDir(), "catalogue.db"))
				if err != nil {
					b.Fatal(err)
				}
				if _, err := db.w.ExecContext(ctx, "PRAGMA secure_delete = "+mode); err != nil {
					b.Fatal(err)
				}
				ids := seedDirect(b, db, n)
				b.StartTimer()
				start := time.Now()
				for i := 0; i < n; i += 500 {
					batch := make([]*callvault.RecordingDeletion, 0, 500)
					for _, id := range ids[i:min(i+500, n)] {
						batch = append(batch, &callvault.RecordingDeletion{ID: id, Event: &callvault.AuditEvent{Time: time.Now(),
							Actor: "bench", Action: callvault.ActionRecordingDelete, Object: "recording:" + id}})
					}
					if err := db.DeleteRecordings(ctx, batch); err != nil {
						b.Fatal(err)
					}
				}
				total += time.Since(start)
				db.Close()
			}
			b.ReportMetric(float64(n*b.N)/total.Seconds(), "recordings/s")
			b.ReportMetric(0, "ns/op")
		})
	}
}

// seedDirect inserts n expired recordings with 1.5 KB headers and their subject rows in one
// transaction (no audit events: only the deletes are measured).
func seedDirect(b *testing.B, db *DB, n int) []string {
	b.Helper()
	ids := make([]string, n)
	old := time.Now().AddDate(-1, 0, 0)
	err := db.write(context.Background(), "seed", func(tx *sql.Tx) error {
		for i := range ids {
			r := &callvault.Recording{ID: callvault.NewID(), StartedAt: old, Source: callvault.SourceImport, SourceID: fmt.Sprint("bench-", i),
				BlobKey: fmt.Sprintf("recordings/2025/01/%d.age", i), Header: make([]byte, 1500), RetainUntil: old.AddDate(0, 6, 0), CreatedAt: old,
				Parties: []callvault.Party{{Name: fmt.Sprint("Person ", i), Number: callvault.Number{E164: fmt.Sprintf("+4477009%05d", i)}}}}
			if err := insertRecording(context.Background(), tx, r); err != nil {
				return err
			}
			ids[i] = r.ID
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return ids
}

package retention_test

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/archive"
	"github.com/callvault/callvault/internal/archive/archivetest"
	"github.com/callvault/callvault/internal/audio"
	"github.com/callvault/callvault/internal/fileblob"
	"github.com/callvault/callvault/internal/retention"
	"github.com/callvault/callvault/internal/sqlite"
)

func setup(t *testing.T) (*archive.Service, *sqlite.DB, *fileblob.Store) {
	t.Helper()
	f := archivetest.New(t)
	return f.Service, f.DB, f.Blobs
}

func ingest(t *testing.T, a *archive.Service, id string, started time.Time) *callvault.Recording {
	t.Helper()
	var wav bytes.Buffer
	audio.WriteHeader(&wav, audio.MuLawFormat(8000, 1), 800)
	wav.Write(make([]byte, 800))
	r, _, err := a.Ingest(context.Background(), callvault.IngestRequest{Actor: "test",
		Recording: &callvault.Recording{StartedAt: started, Source: callvault.SourceUpload, SourceID: id}, Audio: &wav})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestSweepDeletesOnlyExpiredExactlyOnce(t *testing.T) {
	a, db, blobs := setup(t)
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	var expired []*callvault.Recording
	for i := 0; i < 40; i++ {
		expired = append(expired, ingest(t, a, fmt.Sprintf("old-%d", i), now.AddDate(0, -7, 0)))
	}
	fresh := ingest(t, a, "fresh", now.AddDate(0, -5, 0))

	// Two sweepers race over the same recordings, as two nodes whose leases overlapped would.
	var mu sync.Mutex
	seen := map[string]int{}
	var wg sync.WaitGroup
	var total int
	for n := 0; n < 2; n++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := &retention.Sweeper{Catalogue: db, Blobs: blobs, Now: func() time.Time { return now }, Batch: 7,
				OnDelete: func(id string) { mu.Lock(); seen[id]++; mu.Unlock() }}
			res, err := s.RunOnce(context.Background())
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			total += res.Deleted
			mu.Unlock()
		}()
	}
	wg.Wait()
	if total != len(expired) {
		t.Errorf("deleted %d, want %d", total, len(expired))
	}
	for _, r := range expired {
		if seen[r.ID] != 1 {
			t.Errorf("%s deleted %d times", r.ID, seen[r.ID])
		}
		if _, err := db.Recording(context.Background(), r.ID); !callvault.IsKind(err, callvault.KindNotFound) {
			t.Errorf("%s still in the catalogue: %v", r.ID, err)
		}
		if _, err := blobs.Open(context.Background(), r.BlobKey); !callvault.IsKind(err, callvault.KindNotFound) {
			t.Errorf("%s blob still present: %v", r.ID, err)
		}
	}
	if _, err := a.Open(context.Background(), "test", fresh.ID, "check"); err != nil {
		t.Errorf("unexpired recording damaged: %v", err)
	}
	evs, _ := db.AuditEvents(context.Background(), 0, 1000)
	var deletes int
	for _, ev := range evs {
		if ev.Action == callvault.ActionRecordingDelete {
			deletes++
		}
	}
	if deletes != len(expired) {
		t.Errorf("%d delete receipts, want %d", deletes, len(expired))
	}
}

func TestSweepStopsWhenLeaseLost(t *testing.T) {
	a, db, blobs := setup(t)
	now := time.Now()
	for i := 0; i < 5; i++ {
		ingest(t, a, fmt.Sprintf("old-%d", i), now.AddDate(-1, 0, 0))
	}
	s := &retention.Sweeper{Catalogue: db, Blobs: blobs, Batch: 2,
		KeepLease: func(context.Context) (bool, error) { return false, nil }}
	res, err := s.RunOnce(context.Background())
	if err != nil || res.Deleted != 0 {
		t.Fatalf("sweep without the lease deleted %d (%v)", res.Deleted, err)
	}
}

package retention_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/archive"
	"github.com/callvault/callvault/internal/fileblob"
	"github.com/callvault/callvault/internal/postgres"
	"github.com/callvault/callvault/internal/postgres/pgtest"
	"github.com/callvault/callvault/internal/retention"
	"github.com/callvault/callvault/internal/vault"
)

// Two nodes, each with its own connection pool, sweep one PostgreSQL catalogue at once (as two
// nodes whose leases overlapped would): every expired, unheld recording is deleted exactly once,
// with one receipt, and the held one survives.
func TestTwoNodesSweepPostgresExactlyOnce(t *testing.T) {
	url := pgtest.NewTestDatabase(t)
	ctx := context.Background()
	open := func() *postgres.DB {
		db, err := postgres.Open(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	nodeA, nodeB := open(), open()
	blobs, err := fileblob.Open(filepath.Join(t.TempDir(), "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	keys, err := vault.GenerateKeys()
	if err != nil {
		t.Fatal(err)
	}
	a := &archive.Service{Catalogue: nodeA, Blobs: blobs, Keys: keys, RetentionMonths: 6}
	const n = 400
	now := time.Now()
	recs := make([]*callvault.Recording, n)
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += 8 {
				r, err := ingestPartyErr(a, i, now.AddDate(-1, 0, 0))
				if err != nil {
					t.Error(err)
					return
				}
				recs[i] = r
			}
		}()
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	held := recs[n/2]
	if _, err := (&retention.Holds{Store: nodeA}).Place(ctx, retention.PlaceRequest{RecordingID: held.ID, Reason: "case", ReviewAt: now.AddDate(0, 1, 0), Actor: "dpo"}); err != nil {
		t.Fatal(err)
	}

	var mu sync.Mutex
	seen := map[string]int{}
	results := make([]retention.Result, 2)
	// Both nodes read their first batch before either deletes: they then contend for the same
	// recordings, whatever the scheduler does, so exactly-once is tested, not hoped for.
	var bothRead sync.WaitGroup
	bothRead.Add(2)
	for i, db := range []*postgres.DB{nodeA, nodeB} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			node := &firstReadTogether{DB: db, together: &bothRead}
			s := &retention.Sweeper{Catalogue: node, Blobs: blobs, Holds: db, Record: db, Node: string(rune('A' + i)), Batch: 25,
				OnDelete: func(id string) { mu.Lock(); seen[id]++; mu.Unlock() }}
			res, err := s.RunOnce(ctx)
			if err != nil {
				t.Error(err)
			}
			results[i] = res
		}()
	}
	wg.Wait()
	t.Logf("node A deleted %d (skipped %d), node B deleted %d (skipped %d)", results[0].Deleted, results[0].Skipped, results[1].Deleted, results[1].Skipped)
	if got := results[0].Deleted + results[1].Deleted; got != n-1 || len(seen) != n-1 {
		t.Fatalf("deleted %d (%d distinct), want %d", got, len(seen), n-1)
	}
	if skipped := results[0].Skipped + results[1].Skipped; skipped < 25 {
		t.Fatalf("the nodes found %d recordings deleted by the other, want at least the first batch (25): they did not overlap", skipped)
	}
	for id, c := range seen {
		if c != 1 || id == held.ID {
			t.Fatalf("recording %s deleted %d times", id, c)
		}
	}
	receipts := map[string]int{}
	for after := int64(0); ; {
		evs, err := nodeB.AuditEvents(ctx, after, 1000)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) == 0 {
			break
		}
		for _, ev := range evs {
			if ev.Action == callvault.ActionRecordingDelete {
				receipts[ev.Object]++
			}
		}
		after = evs[len(evs)-1].Seq
	}
	if len(receipts) != n-1 {
		t.Fatalf("%d receipts, want %d", len(receipts), n-1)
	}
	for obj, c := range receipts {
		if c != 1 {
			t.Fatalf("%s has %d receipts", obj, c)
		}
	}
	if _, err := nodeB.Recording(ctx, held.ID); err != nil {
		t.Fatalf("the held recording is gone: %v", err)
	}
}

// firstReadTogether is a node's catalogue whose first ExpiredRecordings returns only once every
// node has read its first batch. It keeps DeleteRecordings (callvault.RecordingBatchDeleter).
type firstReadTogether struct {
	*postgres.DB
	together *sync.WaitGroup
	once     sync.Once
}

func (f *firstReadTogether) ExpiredRecordings(ctx context.Context, now time.Time, limit int) ([]*callvault.Recording, error) {
	recs, err := f.DB.ExpiredRecordings(ctx, now, limit)
	f.once.Do(func() { f.together.Done(); f.together.Wait() })
	return recs, err
}

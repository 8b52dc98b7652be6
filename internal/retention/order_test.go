package retention_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/archive"
	"github.com/callvault/callvault/internal/fileblob"
	"github.com/callvault/callvault/internal/retention"
	"github.com/callvault/callvault/internal/sqlite"
)

// rowFirstBlobs checks, at each blob delete, that the recording's row is already a committed
// tombstone: the order that makes a SIGKILL at any point safe (a crash can leave an unreadable
// orphan blob, never a live row without its blob).
type rowFirstBlobs struct {
	*fileblob.Store
	db      *sqlite.DB
	t       *testing.T
	mu      sync.Mutex // the sweep deletes blobs from several goroutines
	deleted int
}

func (b *rowFirstBlobs) check(ctx context.Context, key string) {
	id := archive.IDFromBlobKey(key)
	if _, err := b.db.Recording(ctx, id); !callvault.IsKind(err, callvault.KindNotFound) {
		b.t.Errorf("blob %s deleted while its row is live or unknown (%v)", key, err)
	}
	b.mu.Lock()
	b.deleted++
	b.mu.Unlock()
}

func (b *rowFirstBlobs) Delete(ctx context.Context, key string) error {
	b.check(ctx, key)
	return b.Store.Delete(ctx, key)
}

func (b *rowFirstBlobs) DeleteBlobs(ctx context.Context, keys []string) error {
	for _, k := range keys {
		b.check(ctx, k)
	}
	return b.Store.DeleteBlobs(ctx, keys)
}

// Every blob the sweep deletes belongs to a row already tombstoned and committed (read through
// the store's read-only connections, which see only committed transactions), whether the blob
// store deletes a batch at once or blob by blob.
func TestSweepDeletesBlobsOnlyAfterTheirRowsCommit(t *testing.T) {
	for _, batchBlobs := range []bool{true, false} {
		t.Run(fmt.Sprint("batch-blobs=", batchBlobs), func(t *testing.T) {
			a, db, blobs := setup(t)
			now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
			for i := range 30 {
				ingest(t, a, fmt.Sprintf("old-%d", i), now.AddDate(0, -7, 0))
			}
			b := &rowFirstBlobs{Store: blobs, db: db, t: t}
			var store callvault.BlobStore = b
			if !batchBlobs {
				store = oneBlobAtATime{b}
			}
			s := &retention.Sweeper{Catalogue: db, Blobs: store, Now: func() time.Time { return now }, Batch: 7}
			res, err := s.RunOnce(context.Background())
			if err != nil || res.Deleted != 30 || b.deleted != 30 {
				t.Fatalf("deleted %d rows and %d blobs (%v), want 30 of each", res.Deleted, b.deleted, err)
			}
		})
	}
}

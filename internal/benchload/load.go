package benchload

import (
	"context"
	"fmt"

	"github.com/callvault/callvault"
)

// Loader is a catalogue that loads recordings in bulk (both stores have it): rs and their
// subject rows in one transaction, without audit events.
type Loader interface {
	BulkLoadRecordings(ctx context.Context, rs []*callvault.Recording) error
	// SettleBulkLoad does what the database would do in time after the load (statistics; on
	// PostgreSQL the vacuum that lets index-only scans skip the table), so that the benchmark
	// measures the catalogue's steady state, not the hour after a million inserts.
	SettleBulkLoad(ctx context.Context) error
}

// DefaultBatch is how many recordings go into one transaction.
const DefaultBatch = 100_000

// Load loads recordings [0, g.Spec.Recordings) of g into l in transactions of batch recordings
// (0 means DefaultBatch), making the next batch while the store writes the last. progress, if
// not nil, is called after each batch with the number loaded so far. It ends with
// l.SettleBulkLoad.
func Load(ctx context.Context, l Loader, g *Generator, batch int, progress func(loaded int)) error {
	if batch <= 0 {
		batch = DefaultBatch
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	n := g.Spec.Recordings
	batches := make(chan []*callvault.Recording, 1)
	go func() {
		defer close(batches)
		for lo := 0; lo < n; lo += batch {
			rs := make([]*callvault.Recording, 0, min(batch, n-lo))
			for i := lo; i < min(lo+batch, n); i++ {
				rs = append(rs, g.Recording(i))
			}
			select {
			case batches <- rs:
			case <-ctx.Done():
				return
			}
		}
	}()
	loaded := 0
	for rs := range batches {
		if err := l.BulkLoadRecordings(ctx, rs); err != nil {
			cancel()
			for range batches { // let the generator's goroutine end
			}
			return fmt.Errorf("bench load: after %d recordings: %w", loaded, err)
		}
		loaded += len(rs)
		if progress != nil {
			progress(loaded)
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := l.SettleBulkLoad(ctx); err != nil {
		return fmt.Errorf("bench load: after loading %d recordings: %w", loaded, err)
	}
	return nil
}

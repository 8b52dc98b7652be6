// Package retention deletes recordings whose retention period has ended: it destroys the
// recording's age header (crypto-shredding: the payload becomes unreadable everywhere, backups
// included), leaves a tombstone with the hashes, deletes the payload blob, and audits each
// deletion as its receipt. It works in batches: one catalogue transaction per batch (rows,
// tombstones and receipts), then the batch's blobs, deleted concurrently. Several nodes may run
// it; a lease makes one run at a time, and the store's DeleteRecordings (or DeleteRecording)
// guarantees each recording is deleted exactly once even if two overlap.
package retention

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/callvault/callvault"
)

// LeaseName is the lease that elects the node running the sweep.
const LeaseName = "retention-sweep"

// Store is what the sweep needs of the catalogue: the expired recordings, and deleting them.
type Store interface {
	ExpiredRecordings(ctx context.Context, now time.Time, limit int) ([]*callvault.Recording, error)
	DeleteRecording(ctx context.Context, id string, ev *callvault.AuditEvent) error
}

// Sweeper deletes expired recordings.
type Sweeper struct {
	// Catalogue may also implement callvault.Compactor; the sweep then compacts after deleting.
	// If it implements callvault.RecordingBatchDeleter (every backend does), each batch is
	// deleted in one transaction; otherwise one DeleteRecording per recording.
	Catalogue Store
	Blobs     callvault.BlobStore
	Now       func() time.Time
	Batch     int // recordings per batch, and per catalogue transaction; default 500
	// Workers is how many blob deletes run at once when the blob store cannot delete a
	// batch in one call (callvault.BlobBatchDeleter); default 8. The blobs of a batch are
	// deleted after its transaction has committed.
	Workers int
	// Rate, if positive, caps deletions per second, so that a large backlog (the first sweep
	// after an import of old recordings, say) does not load the object store all at once.
	// Batches are then at most Rate recordings, and each starts only once the previous one's
	// share of time (its size / Rate seconds) has passed.
	Rate int
	// KeepLease, if set, is called before each batch; when it returns false (the lease was lost
	// to another node) the sweep stops so two nodes do not work in parallel for long.
	KeepLease func(ctx context.Context) (bool, error)
	// OnDelete, if set, is called once each recording's deletion (row, tombstone, receipt)
	// has committed, from the goroutine that called RunOnce; its blob may still be going.
	// Tests use it as a signal.
	OnDelete func(id string)
	// Holds, if set, is asked at the end of each run for the holds that keep expired
	// recordings, which the run reports. Held recordings are never deleted whether it is set
	// or not: the catalogue leaves them out of ExpiredRecordings and refuses to delete them.
	Holds callvault.HoldStore
	// Record, if set, is told the outcome of each run (not of one cut short by ctx), for the
	// compliance status and its health check; Node names this node in it.
	Record callvault.RetentionStore
	Node   string

	// wall and sleep replace the wall clock and waiting on it in the rate limiter's tests.
	wall  func() time.Time
	sleep func(ctx context.Context, d time.Duration) error
}

// Result counts what one RunOnce did.
type Result struct {
	Deleted int // recordings this run deleted
	Skipped int // recordings another node deleted first
	// Held lists the active holds on recordings whose retention has ended (only when
	// Sweeper.Holds is set): each run reports what it did not delete, and why.
	Held []*callvault.Hold
	// HeldRecordings counts the distinct recordings of Held.
	HeldRecordings int
}

// RunOnce deletes every recording whose RetainUntil has passed, in batches, until none is left,
// the context is cancelled, or the lease is lost. If the catalogue is a callvault.Compactor, it
// compacts the catalogue at the end, so that no copy of a shredded header stays in the
// database's files; it does so even when nothing was deleted, so that a compaction that failed
// (readers kept the log busy) is retried by the next run.
func (s *Sweeper) RunOnce(ctx context.Context) (res Result, err error) {
	defer func() {
		err = errors.Join(err, s.compact(ctx))
	}()
	started := s.now()
	defer func() {
		if ctx.Err() == nil {
			err = errors.Join(err, s.record(ctx, started, res, err))
		}
	}()
	defer func() {
		if err == nil {
			err = s.reportHeld(ctx, &res)
		}
	}()
	batch := s.Batch
	if batch <= 0 {
		batch = 500
	}
	if s.Rate > 0 {
		batch = min(batch, s.Rate)
	}
	var next time.Time // when the rate allows the next batch to start
	// The blobs of one batch are deleted while the next batch's rows are: the rows always
	// commit before their blobs go, and at most one batch of blob deletes is in flight.
	var blobs blobDeletes
	defer func() {
		err = errors.Join(err, s.wait(blobs))
	}()
	for {
		if err := s.pace(ctx, next); err != nil {
			return res, err
		}
		if s.KeepLease != nil {
			ok, err := s.KeepLease(ctx)
			if err != nil || !ok {
				return res, err
			}
		}
		recs, err := s.Catalogue.ExpiredRecordings(ctx, s.now(), batch)
		if err != nil {
			return res, err
		}
		if len(recs) == 0 {
			return res, nil
		}
		if s.Rate > 0 {
			if now := s.wallNow(); next.Before(now) {
				next = now
			}
			next = next.Add(time.Duration(len(recs)) * time.Second / time.Duration(s.Rate))
		}
		deleted, skipped, err := s.deleteRows(ctx, recs)
		res.Deleted += len(deleted)
		res.Skipped += skipped
		if s.OnDelete != nil {
			for _, r := range deleted {
				s.OnDelete(r.ID)
			}
		}
		// The rows of deleted are gone whatever happened; their blobs go now, and err (if
		// any) is reported once the previous batch's blob deletes have ended too.
		err = errors.Join(err, s.wait(blobs))
		blobs = nil
		if len(deleted) > 0 {
			blobs = s.startBlobs(ctx, deleted)
		}
		if err != nil {
			return res, err
		}
	}
}

// blobDeletes is one batch's blob deletes, running; it yields their error.
type blobDeletes chan error

// startBlobs starts deleting the blobs of recs, whose rows are deleted.
func (s *Sweeper) startBlobs(ctx context.Context, recs []*callvault.Recording) blobDeletes {
	b := make(blobDeletes, 1)
	go func() { b <- s.deleteBlobs(ctx, recs) }()
	return b
}

// wait waits for b's blob deletes to end (nil: none are running).
func (s *Sweeper) wait(b blobDeletes) error {
	if b == nil {
		return nil
	}
	return <-b
}

// pace waits until next, by the wall clock rather than s.Now: the rate is about load, not
// retention.
func (s *Sweeper) pace(ctx context.Context, next time.Time) error {
	d := next.Sub(s.wallNow())
	if d <= 0 {
		return ctx.Err()
	}
	if s.sleep != nil {
		return s.sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
	return ctx.Err()
}

func (s *Sweeper) wallNow() time.Time {
	if s.wall != nil {
		return s.wall()
	}
	return time.Now()
}

// record tells s.Record the outcome of a run.
func (s *Sweeper) record(ctx context.Context, started time.Time, res Result, runErr error) error {
	if s.Record == nil {
		return nil
	}
	run := &callvault.SweepRun{Node: s.Node, StartedAt: started, FinishedAt: s.now(), OK: runErr == nil, Deleted: res.Deleted, Held: res.HeldRecordings}
	if runErr != nil {
		run.Error = callvault.ErrorMessage(runErr)
	}
	return s.Record.RecordSweep(ctx, run)
}

// reportHeld fills res.Held with the holds that keep expired recordings.
func (s *Sweeper) reportHeld(ctx context.Context, res *Result) error {
	if s.Holds == nil {
		return nil
	}
	held, err := AllHolds(ctx, s.Holds, callvault.HoldFilter{ExpiredBefore: s.now()})
	if err != nil {
		return err
	}
	res.Held = held
	recs := map[string]bool{}
	for _, h := range held {
		recs[h.RecordingID] = true
	}
	res.HeldRecordings += len(recs)
	return nil
}

// deleteRows shreds the catalogue rows of recs (header destroyed, tombstone, receipt), in one
// transaction when the catalogue can, and returns the recordings it deleted and how many
// another node had deleted first. Held ones (a hold placed since recs was read) are neither:
// reportHeld names them. The rows commit before any blob is deleted: a crash in between leaves
// blobs without a live row, unreadable already, which the orphan sweep removes; the other order
// could leave a live row whose blob is gone.
func (s *Sweeper) deleteRows(ctx context.Context, recs []*callvault.Recording) (deleted []*callvault.Recording, skipped int, err error) {
	bd, ok := s.Catalogue.(callvault.RecordingBatchDeleter)
	if !ok {
		for _, r := range recs {
			err := s.Catalogue.DeleteRecording(ctx, r.ID, s.receipt(r))
			switch {
			case callvault.IsKind(err, callvault.KindNotFound):
				skipped++ // another node deleted it first
			case callvault.IsKind(err, callvault.KindConflict):
				// put on hold since the batch was read
			case err != nil:
				return deleted, skipped, err
			default:
				deleted = append(deleted, r)
			}
		}
		return deleted, skipped, nil
	}
	batch := make([]*callvault.RecordingDeletion, len(recs))
	for i, r := range recs {
		batch[i] = &callvault.RecordingDeletion{ID: r.ID, Event: s.receipt(r)}
	}
	if err := bd.DeleteRecordings(ctx, batch); err != nil {
		return nil, 0, err
	}
	for i, d := range batch {
		switch d.Outcome {
		case callvault.DeletionDone:
			deleted = append(deleted, recs[i])
		case callvault.DeletionGone:
			skipped++
		}
	}
	return deleted, skipped, nil
}

// receipt is the audit event that records r's deletion: enough to answer for it (the hashes, the
// retention end) and nothing of the call's parties. It names the recording by its ID (the object)
// and not by its source ID, which a client chooses and may have built from the call's numbers:
// audit verify matches a receipt to its ingest event and tombstone by ID alone.
func (s *Sweeper) receipt(r *callvault.Recording) *callvault.AuditEvent {
	return &callvault.AuditEvent{
		Time:   s.now(),
		Actor:  string(callvault.ActorSystem),
		Action: callvault.ActionRecordingDelete,
		Object: "recording:" + r.ID,
		Detail: callvault.AuditDetail(map[string]any{
			"reason":        "retention period ended",
			"retain_until":  r.RetainUntil.UTC().Format(time.RFC3339),
			"plain_sha256":  r.PlainSHA256,
			"stored_sha256": r.StoredSHA256,
			"source":        r.Source,
		}),
	}
}

// deleteBlobs deletes the blobs of recs: in one call when the store is a
// callvault.BlobBatchDeleter (local files: one directory fsync for the batch), else s.Workers
// at a time, since each delete waits on the disk or a round trip to the object store. It
// returns every error. A cancelled context (a shutdown) gives them a minute more: their rows
// are gone, and a blob left behind is an orphan, unreadable but kept until the orphan sweep
// finds it.
func (s *Sweeper) deleteBlobs(ctx context.Context, recs []*callvault.Recording) error {
	if len(recs) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	if bd, ok := s.Blobs.(callvault.BlobBatchDeleter); ok {
		keys := make([]string, len(recs))
		for i, r := range recs {
			keys[i] = r.BlobKey
		}
		return bd.DeleteBlobs(ctx, keys)
	}
	workers := s.Workers
	if workers <= 0 {
		workers = 8
	}
	errs := make([]error, len(recs))
	var wg sync.WaitGroup
	next := make(chan int)
	for range min(workers, len(recs)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				errs[i] = s.Blobs.Delete(ctx, recs[i].BlobKey)
			}
		}()
	}
	for i := range recs {
		next <- i
	}
	close(next)
	wg.Wait()
	return errors.Join(errs...)
}

// compact runs the catalogue's Compactor, if it has one. It runs even when the sweep was
// cancelled: the deletions it made are committed and their copies should go.
func (s *Sweeper) compact(ctx context.Context) error {
	c, ok := s.Catalogue.(callvault.Compactor)
	if !ok {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	return c.Compact(ctx)
}

func (s *Sweeper) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

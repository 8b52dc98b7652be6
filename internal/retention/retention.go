// Package retention deletes recordings whose retention period has ended: it destroys the
// recording's age header (crypto-shredding: the payload becomes unreadable everywhere, backups
// included), leaves a tombstone with the hashes, deletes the payload blob, and audits each
// deletion as its receipt. Several nodes may run it; a lease makes one run at a time, and the
// store's DeleteRecording guarantees each recording is deleted exactly once even if two overlap.
package retention

import (
	"context"
	"errors"
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
	Catalogue Store
	Blobs     callvault.BlobStore
	Now       func() time.Time
	Batch     int // recordings per batch; default 100
	// Rate, if positive, caps deletions per second, so that a large backlog (the first sweep
	// after an import of old recordings, say) does not load the object store all at once.
	Rate int
	// KeepLease, if set, is called before each batch; when it returns false (the lease was lost
	// to another node) the sweep stops so two nodes do not work in parallel for long.
	KeepLease func(ctx context.Context) (bool, error)
	// OnDelete, if set, is called after each recording is deleted (tests use it as a signal).
	OnDelete func(id string)
	// Holds, if set, is asked at the end of each run for the holds that keep expired
	// recordings, which the run reports. Held recordings are never deleted whether it is set
	// or not: the catalogue leaves them out of ExpiredRecordings and refuses to delete them.
	Holds callvault.HoldStore
	// Record, if set, is told the outcome of each run (not of one cut short by ctx), for the
	// compliance status and its health check; Node names this node in it.
	Record callvault.RetentionStore
	Node   string
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
		batch = 100
	}
	var tick <-chan time.Time
	if s.Rate > 0 {
		t := time.NewTicker(time.Second / time.Duration(s.Rate))
		defer t.Stop()
		tick = t.C
	}
	for {
		if s.KeepLease != nil {
			ok, err := s.KeepLease(ctx)
			if err != nil || !ok {
				return res, err
			}
		}
		now := s.now()
		recs, err := s.Catalogue.ExpiredRecordings(ctx, now, batch)
		if err != nil {
			return res, err
		}
		if len(recs) == 0 {
			return res, nil
		}
		for _, r := range recs {
			if tick != nil {
				select {
				case <-tick:
				case <-ctx.Done():
				}
			}
			if err := ctx.Err(); err != nil {
				return res, err
			}
			deleted, err := s.delete(ctx, r)
			if callvault.IsKind(err, callvault.KindConflict) {
				continue // put on hold since the batch was read; reportHeld names it
			}
			if err != nil {
				return res, err
			}
			if deleted {
				res.Deleted++
				if s.OnDelete != nil {
					s.OnDelete(r.ID)
				}
			} else {
				res.Skipped++
			}
		}
	}
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

// delete shreds and removes one recording. The catalogue change (header destroyed, tombstone,
// audit receipt) commits first; the blob is deleted after. A crash in between leaves a blob
// without a live row, which the orphan sweep removes; it is unreadable already.
func (s *Sweeper) delete(ctx context.Context, r *callvault.Recording) (bool, error) {
	ev := &callvault.AuditEvent{
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
			"source_id":     r.SourceID,
		}),
	}
	if err := s.Catalogue.DeleteRecording(ctx, r.ID, ev); err != nil {
		if callvault.IsKind(err, callvault.KindNotFound) {
			return false, nil // another node deleted it first
		}
		return false, err
	}
	if err := s.Blobs.Delete(ctx, r.BlobKey); err != nil {
		return true, err
	}
	return true, nil
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

package retention

import (
	"context"

	"github.com/callvault/callvault"
)

// Rewrapper moves a recording's header between key epochs (headers only, never audio), each
// move audited with the new header's hash; *vault.Epochs is one. Holds and the retention
// recompute take it so that this package needs nothing of the key directory.
type Rewrapper interface {
	// Rewrap re-wraps rec (as read from the catalogue) to epoch to and returns it as stored.
	Rewrap(ctx context.Context, rec *callvault.Recording, to, actor, reason string) (*callvault.Recording, error)
	// EpochFor is the month epoch rec belongs in now (the current month once it has expired).
	EpochFor(rec *callvault.Recording) string
}

// HoldKeyStore is what Holds reads to keep held recordings on the hold key: the recordings
// and the ones sealed to an epoch. Both of callvault's catalogues are one.
type HoldKeyStore interface {
	Recording(ctx context.Context, id string) (*callvault.Recording, error)
	SealedRecordings(ctx context.Context, epoch, afterID string, limit int) ([]*callvault.Recording, error)
}

// toHoldKey re-wraps recording id to callvault.HoldEpoch, so that its month epoch can be
// destroyed on time while the hold keeps it. A header changed meanwhile (another node moved
// it) is read again.
func (s *Holds) toHoldKey(ctx context.Context, id, actor, reason string) error {
	return s.rewrap(ctx, id, actor, reason, func(*callvault.Recording) string { return callvault.HoldEpoch })
}

// toMonthKey re-wraps recording id from the hold key back to the month epoch it belongs in now
// (Rewrapper.EpochFor: its retention-end month, or the current month if it has expired, which
// the next sweep then deletes), unless an active hold still keeps it.
func (s *Holds) toMonthKey(ctx context.Context, id, actor, reason string) error {
	active, err := s.Store.Holds(ctx, callvault.HoldFilter{RecordingID: id, ActiveOnly: true, Limit: 1})
	if err != nil || len(active) > 0 {
		return err
	}
	return s.rewrap(ctx, id, actor, reason, func(r *callvault.Recording) string {
		if r.KeyEpoch != callvault.HoldEpoch {
			return r.KeyEpoch // not on the hold key: leave it where it is
		}
		return s.Rewrapper.EpochFor(r)
	})
}

func (s *Holds) rewrap(ctx context.Context, id, actor, reason string, to func(*callvault.Recording) string) error {
	if s.Rewrapper == nil || s.Recordings == nil {
		return nil
	}
	var err error
	for range 3 {
		var rec *callvault.Recording
		rec, err = s.Recordings.Recording(ctx, id)
		if callvault.IsKind(err, callvault.KindNotFound) {
			return nil // deleted meanwhile: nothing to move
		}
		if err != nil {
			return err
		}
		want := to(rec)
		if rec.Header == nil || rec.KeyEpoch == want {
			return nil
		}
		if _, err = s.Rewrapper.Rewrap(ctx, rec, want, actor, reason); !callvault.IsKind(err, callvault.KindConflict) {
			return err
		}
	}
	return err
}

// ReconcileHoldKey repairs what a crash or a node without the key directory left between a
// hold's placement or release and its re-wrap: every recording with an active hold is moved to
// the hold key, and every recording on the hold key without one back to its month epoch. It
// returns how many it moved. The key-epochs job runs it before destroying ended epochs (an
// epoch still sealing a held recording is not destroyed until then, and the hold keeps the
// recording from deletion all along).
func (s *Holds) ReconcileHoldKey(ctx context.Context) (moved int, err error) {
	if s.Rewrapper == nil || s.Recordings == nil {
		return 0, nil
	}
	held, err := AllHolds(ctx, s.Store, callvault.HoldFilter{ActiveOnly: true})
	if err != nil {
		return 0, err
	}
	isHeld := map[string]bool{}
	for _, h := range held {
		if isHeld[h.RecordingID] {
			continue
		}
		isHeld[h.RecordingID] = true
		rec, err := s.Recordings.Recording(ctx, h.RecordingID)
		if callvault.IsKind(err, callvault.KindNotFound) {
			continue
		}
		if err != nil {
			return moved, err
		}
		if rec.Header == nil || rec.KeyEpoch == callvault.HoldEpoch {
			continue
		}
		if err := s.toHoldKey(ctx, rec.ID, string(callvault.ActorSystem), "hold "+h.ID+" in place"); err != nil {
			return moved, err
		}
		moved++
	}
	for after := ""; ; {
		page, err := s.Recordings.SealedRecordings(ctx, callvault.HoldEpoch, after, callvault.MaxSearchLimit)
		if err != nil {
			return moved, err
		}
		for _, rec := range page {
			after = rec.ID
			if isHeld[rec.ID] {
				continue
			}
			if err := s.toMonthKey(ctx, rec.ID, string(callvault.ActorSystem), "no active hold"); err != nil {
				return moved, err
			}
			moved++
		}
		if len(page) < callvault.PageLimit(callvault.MaxSearchLimit) {
			return moved, nil
		}
	}
}

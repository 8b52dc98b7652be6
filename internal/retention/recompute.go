package retention

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/callvault/callvault"
)

// Recompute brings every live recording's RetainUntil in line with the retention months
// setting (callvault.RetentionEnd of its start) after the setting changed. It is resumable:
// the catalogue records how far it got (RetentionStore.RecomputeState), each batch's changes,
// progress and audit event commit together, and a run that stops is continued by the next from
// where it stopped. A change of setting during a recompute starts it over for the new setting.
// A recording the new setting puts past retention is deleted by the next sweep, unless held.
type Recompute struct {
	Catalogue callvault.RecordingStore
	Store     callvault.RetentionStore
	Months    int
	Zone      *time.Location // nil: callvault.DefaultZone()
	Now       func() time.Time
	Batch     int // recordings read per batch; default 500
	// BeforeUpdate, if set, is called for each recording whose RetainUntil is about to change,
	// before its batch commits; an error stops the run (the batch is not written, and the next
	// run does it again). It is the hook of the key-epochs work: a recording whose retention
	// end moves to another month must have its header re-wrapped to that month's epoch (headers
	// only, never audio, with an event naming the new header's hash).
	BeforeUpdate func(ctx context.Context, r *callvault.Recording, retainUntil time.Time) error
	// Rewrapper, if set, re-wraps the header of each recording whose RetainUntil changes to the
	// epoch of its new retention end (Rewrapper.EpochFor), before its batch commits (after
	// BeforeUpdate): headers only, never audio, each re-wrap audited with the new header's
	// hash. Recordings on the hold key stay there (their holds move them when released). A
	// run cut short between a re-wrap and its batch redoes the batch: the re-wrap is then a
	// no-op.
	Rewrapper Rewrapper
}

// RecomputeResult counts what one run did.
type RecomputeResult struct {
	Checked, Changed int
	Done             bool // the catalogue now follows Months
}

// RunOnce recomputes until done, or until ctx ends. It does nothing when the catalogue already
// follows Months.
func (c *Recompute) RunOnce(ctx context.Context) (RecomputeResult, error) {
	var res RecomputeResult
	applied, target, after, err := c.Store.RecomputeState(ctx)
	if err != nil {
		return res, err
	}
	if applied == c.Months && target == c.Months {
		res.Done = true
		return res, nil
	}
	if target != c.Months {
		after = "" // a new setting: start over
	}
	batch := c.Batch
	if batch <= 0 {
		batch = 500
	}
	for {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		recs, err := c.Catalogue.ListRecordings(ctx, after, batch)
		if err != nil {
			return res, err
		}
		var changes []callvault.RetainChange
		for _, r := range recs {
			res.Checked++
			want := callvault.RetentionEnd(r.StartedAt, c.Months, c.Zone).UTC().Truncate(time.Microsecond)
			if want.Equal(r.RetainUntil.UTC().Truncate(time.Microsecond)) {
				continue
			}
			if c.BeforeUpdate != nil {
				if err := c.BeforeUpdate(ctx, r, want); err != nil {
					return res, err
				}
			}
			if c.Rewrapper != nil {
				if err := c.rewrap(ctx, r, want); err != nil {
					return res, err
				}
			}
			changes = append(changes, callvault.RetainChange{ID: r.ID, RetainUntil: want})
		}
		done := len(recs) < callvault.PageLimit(batch)
		if len(recs) > 0 {
			after = recs[len(recs)-1].ID
		}
		ev := &callvault.AuditEvent{Time: c.now(), Actor: string(callvault.ActorSystem), Action: callvault.ActionRetentionRecompute, Object: "retention",
			Detail: callvault.AuditDetail(map[string]any{"months": c.Months, "previous_months": applied, "changed": len(changes), "through": after, "done": done})}
		if err := c.Store.UpdateRetainUntil(ctx, changes, c.Months, after, done, ev); err != nil {
			return res, err
		}
		res.Changed += len(changes)
		if done {
			res.Done = true
			return res, nil
		}
	}
}

// rewrap moves r's header to the epoch of retainUntil. A header changed meanwhile (a hold
// placed, another node) is read again; a recording deleted meanwhile is left alone.
func (c *Recompute) rewrap(ctx context.Context, r *callvault.Recording, retainUntil time.Time) error {
	var err error
	for range 3 {
		if r.Header == nil || r.KeyEpoch == callvault.HoldEpoch {
			return nil
		}
		next := *r
		next.RetainUntil = retainUntil
		_, err = c.Rewrapper.Rewrap(ctx, r, c.Rewrapper.EpochFor(&next), string(callvault.ActorSystem),
			fmt.Sprintf("retention months changed to %d", c.Months))
		if err == nil || !callvault.IsKind(err, callvault.KindConflict) && !callvault.IsKind(err, callvault.KindNotFound) {
			return err
		}
		fresh, rerr := c.Catalogue.Recording(ctx, r.ID)
		if callvault.IsKind(rerr, callvault.KindNotFound) {
			return nil // deleted meanwhile
		}
		if rerr != nil {
			return rerr
		}
		if bytes.Equal(fresh.Header, r.Header) {
			return err // not a race: the header is as read, yet the re-wrap fails
		}
		r = fresh
	}
	return err
}

func (c *Recompute) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

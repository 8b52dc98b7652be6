package retention

import (
	"context"
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

func (c *Recompute) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

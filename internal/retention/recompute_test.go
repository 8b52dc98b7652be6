package retention_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/archive/archivetest"
	"github.com/callvault/callvault/internal/retention"
)

// Changing the retention months recomputes every live recording's retain_until (calendar
// months, month-end rule), resumably and audited; the next sweep deletes what the new setting
// put past retention.
func TestRecomputeAfterMonthsChange(t *testing.T) {
	f := archivetest.New(t) // 6 months
	ctx := context.Background()
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	starts := []time.Time{
		time.Date(2026, 8, 31, 10, 0, 0, 0, time.UTC), // + 3 months: 30 November (month end)
		now.AddDate(0, -4, 0),                         // expired under 3 months, not under 6
		now.AddDate(0, -1, 0),
		now.AddDate(0, -2, 0),
		now.AddDate(0, -5, 0),
	}
	var recs []*callvault.Recording
	for i, s := range starts {
		recs = append(recs, ingestParty(t, f.Service, i, s))
	}
	first := &retention.Recompute{Catalogue: f.DB, Store: f.DB, Months: 6, Now: func() time.Time { return now }, Batch: 2}
	if res, err := first.RunOnce(ctx); err != nil || res.Changed != 0 || !res.Done {
		t.Fatalf("recompute with the months recordings were stored with: %+v %v", res, err)
	}

	// The setting goes to 3 months; the first run stops in its second batch (a crash, say).
	stop := errors.New("stop")
	calls := 0
	r3 := &retention.Recompute{Catalogue: f.DB, Store: f.DB, Months: 3, Now: func() time.Time { return now }, Batch: 2,
		BeforeUpdate: func(context.Context, *callvault.Recording, time.Time) error {
			if calls++; calls == 3 {
				return stop
			}
			return nil
		}}
	if _, err := r3.RunOnce(ctx); !errors.Is(err, stop) {
		t.Fatalf("interrupted recompute: %v", err)
	}
	applied, target, after, err := f.DB.RecomputeState(ctx)
	if err != nil || applied != 6 || target != 3 || after == "" {
		t.Fatalf("state after the interruption: applied %d target %d after %q %v", applied, target, after, err)
	}
	r3.BeforeUpdate = nil
	res, err := r3.RunOnce(ctx)
	if err != nil || !res.Done || res.Checked >= len(recs) {
		t.Fatalf("resumed recompute: %+v %v (it should not start over)", res, err)
	}
	for i, r := range recs {
		got, err := f.DB.Recording(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := callvault.RetentionEnd(starts[i], 3, nil)
		if !got.RetainUntil.Equal(want) {
			t.Errorf("recording %d: retain_until %s, want %s", i, got.RetainUntil, want)
		}
	}
	if got, _ := f.DB.Recording(ctx, recs[0].ID); got.RetainUntil.In(callvault.DefaultZone()).Format(time.DateOnly) != "2026-11-30" {
		t.Errorf("31 August + 3 months = %s, want 30 November", got.RetainUntil)
	}
	if applied, target, _, _ := f.DB.RecomputeState(ctx); applied != 3 || target != 3 {
		t.Errorf("state after the recompute: applied %d target %d", applied, target)
	}
	evs, _ := f.DB.AuditEvents(ctx, 0, 1000)
	var recomputes int
	for _, ev := range evs {
		if ev.Action == callvault.ActionRetentionRecompute {
			recomputes++
		}
	}
	if recomputes < 3 {
		t.Errorf("%d recompute events, want one per batch", recomputes)
	}
	sw, err := (&retention.Sweeper{Catalogue: f.DB, Blobs: f.Blobs, Now: func() time.Time { return now }}).RunOnce(ctx)
	if err != nil || sw.Deleted != 2 {
		t.Fatalf("sweep after the change deleted %d (%v), want 2 (started 4 and 5 months ago)", sw.Deleted, err)
	}
}

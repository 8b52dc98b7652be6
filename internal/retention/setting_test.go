package retention_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/retention"
	"github.com/callvault/callvault/internal/sqlite"
)

// The period in force is the configuration's until one is stored, then the stored one; a node
// follows a change stored by another once its cache is older than Fresh; bad input is refused
// naming the field, a change from a stale period is a conflict; the recompute waits SettleTime
// after a change.
func TestSettingPrecedenceCacheAndChecks(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "catalogue.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	here := &retention.Setting{Store: db, Config: 6, Stats: db, Now: clock}
	other := &retention.Setting{Store: db, Config: 6, Now: clock} // another node

	if m, err := other.Months(ctx); err != nil || m != 6 {
		t.Fatalf("before any change: %d %v, want the configuration's 6", m, err)
	}
	for _, c := range []struct {
		change retention.SettingChange
		field  string
	}{
		{retention.SettingChange{From: 6, Months: 0, Reason: "x"}, "months"},
		{retention.SettingChange{From: 6, Months: 121, Reason: "x"}, "months"},
		{retention.SettingChange{From: 6, Months: 6, Reason: "x"}, "months"},
		{retention.SettingChange{From: 6, Months: 3, Reason: "  "}, "reason"},
	} {
		_, err := here.Set(ctx, "user:dan", c.change)
		if fe := callvault.FieldErrorsOf(err); len(fe) != 1 || fe[0].Field != c.field {
			t.Errorf("Set(%+v) = %v, want a field error on %s", c.change, err, c.field)
		}
	}
	if _, err := here.Set(ctx, "user:dan", retention.SettingChange{From: 6, Months: 3, Reason: "board"}); err != nil {
		t.Fatal(err)
	}
	if m, _ := here.Months(ctx); m != 3 {
		t.Errorf("this node after its change: %d, want 3 at once", m)
	}
	if m, _ := other.Months(ctx); m != 6 {
		t.Errorf("the other node within its cache: %d, want still 6", m)
	}
	now = now.Add(callvault.RetentionSettingFreshness)
	if m, _ := other.Months(ctx); m != 3 {
		t.Errorf("the other node past its cache: %d, want 3", m)
	}
	_, err = here.Set(ctx, "user:dan", retention.SettingChange{From: 6, Months: 4, Reason: "stale"})
	if !callvault.IsKind(err, callvault.KindConflict) {
		t.Errorf("a change from the old period: %v, want a conflict", err)
	}
	if _, settled, _ := here.Settled(ctx); settled {
		t.Errorf("settled %v after the change, want not before SettleTime", callvault.RetentionSettingFreshness)
	}
	now = now.Add(retention.SettleTime)
	if m, settled, _ := here.Settled(ctx); !settled || m != 3 {
		t.Errorf("Settled = %d %v after SettleTime, want 3 true", m, settled)
	}
	hist, err := here.History(ctx)
	if err != nil || len(hist) != 1 || hist[0].Months != 3 || hist[0].Author != "user:dan" || hist[0].Reason != "board" {
		t.Errorf("history %v %v", hist, err)
	}
}

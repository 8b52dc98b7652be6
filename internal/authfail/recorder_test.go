package authfail_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/authfail"
	"github.com/callvault/callvault/internal/sqlite"
)

func newRecorder(t *testing.T) (*authfail.Recorder, *sqlite.DB, *time.Time) {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	clock := time.Date(2026, 11, 3, 9, 0, 0, 0, time.UTC)
	a := authfail.New(db, nil)
	a.Now = func() time.Time { return clock }
	return a, db, &clock
}

func loginFailed(t *testing.T, db *sqlite.DB) []*callvault.AuditEvent {
	t.Helper()
	evs, err := db.AuditEvents(context.Background(), 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var out []*callvault.AuditEvent
	for _, ev := range evs {
		if ev.Action == callvault.ActionLoginFailed {
			out = append(out, ev)
		}
	}
	return out
}

// The first failure of an address's next window is written with the count of the failures
// of the window before that were not.
func TestNextWindowReportsEarlierFailures(t *testing.T) {
	a, db, clock := newRecorder(t)
	ctx := context.Background()
	a.Record(ctx, "192.0.2.7:1234")
	a.Record(ctx, "192.0.2.7:1235")
	a.Record(ctx, "192.0.2.7:1236")
	if n := len(loginFailed(t, db)); n != 1 {
		t.Errorf("%d events for 3 failures in a window, want 1", n)
	}
	*clock = clock.Add(2 * time.Minute)
	a.Record(ctx, "192.0.2.7:1237")
	evs := loginFailed(t, db)
	last := evs[len(evs)-1]
	if len(evs) != 2 || last.Object != "client:192.0.2.7" || !strings.Contains(last.Detail, `"earlier_failures_not_logged":2`) {
		t.Errorf("events %+v", evs)
	}
}

// TestCountsWrittenWhenTheWindowEnds: an address that stops guessing has its
// counted failures written once its window has ended, at the next failure from any address,
// not only with its own next failure (which may never come).
func TestCountsWrittenWhenTheWindowEnds(t *testing.T) {
	a, db, clock := newRecorder(t)
	ctx := context.Background()
	for range 3 {
		a.Record(ctx, "192.0.2.1:1000") // 1 written, 2 counted
	}
	a.Record(ctx, "192.0.2.2:1000")
	*clock = clock.Add(30 * time.Second)
	a.Record(ctx, "192.0.2.2:1001") // counted; 192.0.2.1's window has not ended
	if n := len(loginFailed(t, db)); n != 2 {
		t.Fatalf("%d login_failed events within the window, want 2", n)
	}
	*clock = clock.Add(31 * time.Second) // 192.0.2.1's window ended; 192.0.2.2's too
	a.Record(ctx, "198.51.100.9:1000")
	evs := loginFailed(t, db)
	if len(evs) != 5 {
		t.Fatalf("%d login_failed events, want 5: %+v", len(evs), evs)
	}
	for i, want := range []struct{ object, detail string }{
		{"client:192.0.2.1", `"earlier_failures_not_logged":2`},
		{"client:192.0.2.2", `"earlier_failures_not_logged":1`},
		{"client:198.51.100.9", `"earlier_failures_not_logged":0`},
	} {
		ev := evs[2+i]
		if ev.Object != want.object || !strings.Contains(ev.Detail, want.detail) {
			t.Errorf("event %d: %s %s, want %s with %s", 2+i, ev.Object, ev.Detail, want.object, want.detail)
		}
	}
	if !strings.Contains(evs[2].Detail, `"window_start":"2026-11-03T09:00:00Z"`) {
		t.Errorf("summary does not say when its window started: %s", evs[2].Detail)
	}
	// Written once: neither a later failure nor shutdown writes them again.
	*clock = clock.Add(5 * time.Minute)
	a.Record(ctx, "198.51.100.9:1001")
	a.Flush(ctx)
	if n := len(loginFailed(t, db)); n != 6 {
		t.Errorf("%d login_failed events, want 6 (one more first failure, no repeated summary)", n)
	}
}

package archive_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/callvault/callvault"
)

// TestIngestFlagsExpiredOnArrival: a recording whose retention ended before it arrived (an old
// call imported late) is stored and flagged, in the catalogue and the ingest audit event; a
// recent one is not flagged. Neither is expired by the ingest itself.
func TestIngestFlagsExpiredOnArrival(t *testing.T) {
	f := newFixture(t)
	now := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	f.svc.Now = func() time.Time { return now }
	ctx := context.Background()

	old := rec("old")
	old.StartedAt = now.AddDate(0, -7, 0) // retention is 6 months
	old.Attributes = map[string]string{"note": "kept"}
	r, created, err := f.svc.Ingest(ctx, callvault.IngestRequest{Actor: "test", Recording: old, Audio: bytes.NewReader(wav(t, 1))})
	if err != nil || !created {
		t.Fatalf("ingest of an old call: %v created=%v", err, created)
	}
	if r.Attributes[callvault.AttrExpiredOnArrival] != "true" || r.Attributes["note"] != "kept" {
		t.Errorf("attributes %v, want the flag beside the caller's", r.Attributes)
	}
	if _, ok := old.Attributes[callvault.AttrExpiredOnArrival]; ok {
		t.Error("the caller's attribute map was changed")
	}
	stored, err := f.db.Recording(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if stored.Attributes[callvault.AttrExpiredOnArrival] != "true" {
		t.Errorf("catalogue row: attributes %v; want flagged", stored.Attributes)
	}

	fresh := rec("fresh")
	fresh.StartedAt = now.Add(-time.Hour)
	r2, _, err := f.svc.Ingest(ctx, callvault.IngestRequest{Actor: "test", Recording: fresh, Audio: bytes.NewReader(wav(t, 1))})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := r2.Attributes[callvault.AttrExpiredOnArrival]; ok {
		t.Errorf("a recent recording was flagged: %v", r2.Attributes)
	}

	evs, err := f.db.AuditEvents(ctx, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	var flagged, plain int
	for _, ev := range evs {
		if ev.Action != callvault.ActionRecordingIngest {
			continue
		}
		if strings.Contains(string(ev.Detail), `"expired_on_arrival":true`) {
			flagged++
		} else {
			plain++
		}
	}
	if flagged != 1 || plain != 1 {
		t.Errorf("ingest events: %d flagged, %d plain; want 1 and 1", flagged, plain)
	}
}

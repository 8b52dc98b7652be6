package access_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/access"
)

// TestTooWideSearchIsAudited: a request matching more than MaxMatches calls is refused, and the
// search it ran (who, the criteria) is in the audit log all the same, since the refusal told the
// requester something about the catalogue.
func TestTooWideSearchIsAudited(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for i := range access.MaxMatches + 1 {
		r := &callvault.Recording{ID: callvault.NewID(), StartedAt: time.Date(2026, 11, 21, 8, 0, i, 0, time.UTC),
			Extensions: []string{"301"}, Source: callvault.SourceUpload, SourceID: fmt.Sprintf("wide-%d", i),
			RetainUntil: f.now.AddDate(1, 0, 0), CreatedAt: f.now}
		if err := f.db.CreateRecording(ctx, r, &callvault.AuditEvent{Actor: "t", Action: callvault.ActionRecordingIngest}); err != nil {
			t.Fatal(err)
		}
	}
	_, err := f.svc.CreateRequest(ctx, f.users["sam"], access.RequestInput{Purpose: "quality", Reason: "checking every call of the morning",
		Extension: "301", CallFrom: "2026-11-21T07:00:00Z", CallTo: "2026-11-21T10:00:00Z"})
	if !callvault.IsKind(err, callvault.KindInvalid) {
		t.Fatalf("a request matching %d calls: %v, want refused", access.MaxMatches+1, err)
	}
	evs, _ := f.db.AuditEvents(ctx, 0, 10000)
	found := false
	for _, e := range evs {
		if e.Action == callvault.ActionAccessDenied && e.Actor == string(f.users["sam"].Actor) && strings.Contains(e.Detail, "301") &&
			strings.Contains(e.Detail, "2026-11-21T07:00:00Z") {
			found = true
		}
	}
	if !found {
		t.Error("the refused search is not in the audit log with its criteria")
	}
}

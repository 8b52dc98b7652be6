package access_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/access"
)

// TestRequestMatchesPartiesIgnoringAccents: an access request's parties (fact (e)) are matched
// through the subject index with the same fold as the DPO's search, so "jose garcia" matches the
// call of "José García" and not that of "Josefa García".
func TestRequestMatchesPartiesIgnoringAccents(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	var ids []string
	for i, name := range []string{"JOSÉ GARCÍA", "Josefa García"} {
		r := &callvault.Recording{ID: callvault.NewID(), StartedAt: time.Date(2026, 11, 21, 10, i, 0, 0, time.UTC),
			Extensions: []string{"203"}, Parties: []callvault.Party{{Name: name, Role: callvault.RoleCaller}},
			Source: callvault.SourceUpload, SourceID: "accents" + name, RetainUntil: f.now.AddDate(1, 0, 0), CreatedAt: f.now}
		if err := f.db.CreateRecording(ctx, r, &callvault.AuditEvent{Actor: "t", Action: callvault.ActionRecordingIngest}); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.ID)
	}
	for _, typed := range []string{"jose garcia", "José García", "Jose\u0301 Garci\u0301a"} {
		req, err := f.svc.CreateRequest(ctx, f.users["mia"], access.RequestInput{Purpose: string(callvault.PurposeComplaint),
			Reason: "a clearly stated business need", CallFrom: "2026-11-21T09:00:00Z", CallTo: "2026-11-21T11:00:00Z",
			Parties: []string{typed}})
		if err != nil {
			t.Fatalf("CreateRequest(%q): %v", typed, err)
		}
		if !slices.Equal(req.Matched, ids[:1]) {
			t.Errorf("a request for %q matched %v, want the call of José García %v", typed, req.Matched, ids[:1])
		}
	}
}

package access_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/access"
)

// TestHistory: the decisions a person may review (those they had the authority to decide, not
// their own requests), newest first, with the grant's narrowed set against what was matched;
// pending requests are not decisions; staff see none.
func TestHistory(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	r1 := f.request(t, "sam", callvault.PurposeComplaint)
	if _, err := f.svc.Approve(ctx, f.users["dan"], r1.ID, access.ApproveInput{Statement: "the first call only",
		RecordingIDs: r1.Matched[:1]}); err != nil {
		t.Fatal(err)
	}
	f.now = f.now.Add(time.Minute)
	r2 := f.request(t, "sam", callvault.PurposeDisciplinary)
	if _, err := f.svc.Reject(ctx, f.users["dora"], r2.ID, "not a disciplinary matter"); err != nil {
		t.Fatal(err)
	}
	f.now = f.now.Add(time.Minute)
	r3 := f.request(t, "mia", callvault.PurposeQuality)
	if _, err := f.svc.Approve(ctx, f.users["max"], r3.ID, access.ApproveInput{Statement: "for the quality review"}); err != nil {
		t.Fatal(err)
	}
	f.request(t, "sam", callvault.PurposeComplaint) // pending: not a decision

	ids := func(who string) []string {
		t.Helper()
		h, err := f.svc.History(ctx, f.users[who])
		if err != nil {
			t.Fatalf("History(%s): %v", who, err)
		}
		var out []string
		for _, v := range h {
			out = append(out, v.ID)
		}
		return out
	}
	for who, want := range map[string][]string{
		"dan":  {r3.ID, r1.ID}, // newest decision first; no disciplinary request
		"mia":  {r1.ID},        // not her own request
		"dora": {r2.ID},        // disciplinary only
	} {
		if got := ids(who); !slices.Equal(got, want) {
			t.Errorf("History(%s) = %v, want %v", who, got, want)
		}
	}
	h, _ := f.svc.History(ctx, f.users["dan"])
	if v := h[1]; len(v.RecordingIDs) != 1 || len(v.MatchedIDs) != 2 || v.Statement != "the first call only" || v.ExpiresAt == nil {
		t.Errorf("the narrowed approval: %d of %d recordings, statement %q, expiry %v", len(v.RecordingIDs), len(v.MatchedIDs), v.Statement, v.ExpiresAt)
	}
	if _, err := f.svc.History(ctx, f.users["sam"]); !callvault.IsKind(err, callvault.KindForbidden) {
		t.Errorf("staff read the history: %v", err)
	}
}

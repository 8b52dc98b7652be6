package access_test

import (
	"context"
	"strings"
	"testing"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/access"
)

// TestSelfApprovalIsFlagged: by default nobody approves their own request; with the setting of
// an organisation with one manager they may, and the approval's audit event and the stored
// request say so. A delegate's approval of a disciplinary request names the delegated authority.
func TestSelfApprovalIsFlagged(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	own := f.request(t, "max", callvault.PurposeQuality)
	if _, err := f.svc.Approve(ctx, f.users["max"], own.ID, access.ApproveInput{Statement: "approving my own request"}); !callvault.IsKind(err, callvault.KindForbidden) {
		t.Fatalf("self-approval by default: %v, want forbidden", err)
	}
	f.svc.Rules = &access.Rules{AllowSelfApproval: true}
	if _, err := f.svc.Approve(ctx, f.users["max"], own.ID, access.ApproveInput{Statement: "approving my own request"}); err != nil {
		t.Fatalf("self-approval allowed by the setting: %v", err)
	}
	stored, err := f.db.AccessRequest(ctx, own.ID)
	if err != nil || !stored.SelfApproved {
		t.Errorf("stored request self_approved=%v (%v), want true", stored != nil && stored.SelfApproved, err)
	}
	other := f.request(t, "sam", callvault.PurposeQuality)
	if _, err := f.svc.Approve(ctx, f.users["max"], other.ID, access.ApproveInput{Statement: "approving sam's request"}); err != nil {
		t.Fatal(err)
	}
	evs, _ := f.db.AuditEvents(ctx, 0, 1000)
	flagged := map[string]bool{}
	for _, e := range evs {
		if e.Action == callvault.ActionRequestApprove {
			flagged[e.Object] = strings.Contains(e.Detail, access.FlagSelfApproval)
		}
	}
	if !flagged["request:"+own.ID] || flagged["request:"+other.ID] {
		t.Errorf("self_approval flag on approvals: %v; want only on request:%s", flagged, own.ID)
	}
}

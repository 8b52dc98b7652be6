package access_test

import (
	"context"
	"testing"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/access"
)

// TestMatchedRecordings: those who may decide a request see the calls it matched (metadata
// only); its requester, other staff and a manager facing a disciplinary request do not, and a
// made-up request is not found.
func TestMatchedRecordings(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	r := f.request(t, "sam", callvault.PurposeComplaint)
	recs, err := f.svc.MatchedRecordings(ctx, f.users["max"], r.ID)
	if err != nil || len(recs) != 2 {
		t.Fatalf("a manager sees %d recordings, %v; want the two matched", len(recs), err)
	}
	for _, rec := range recs {
		if rec.Extensions[0] != "201" || rec.Header != nil || rec.Sidecar != nil {
			t.Errorf("matched recording %+v", rec)
		}
	}
	for _, who := range []string{"sam", "del", "al"} {
		if _, err := f.svc.MatchedRecordings(ctx, f.users[who], r.ID); err == nil {
			t.Errorf("%s sees what the request matched", who)
		}
	}
	d := f.request(t, "sam", callvault.PurposeDisciplinary)
	if _, err := f.svc.MatchedRecordings(ctx, f.users["max"], d.ID); err == nil {
		t.Error("a manager sees what a disciplinary request matched")
	}
	if recs, err := f.svc.MatchedRecordings(ctx, f.users["dora"], d.ID); err != nil || len(recs) != 2 {
		t.Errorf("the DPO sees %d of a disciplinary request, %v", len(recs), err)
	}
	if _, err := f.svc.MatchedRecordings(ctx, f.users["max"], callvault.NewID()); access.DeniedCode(err) != access.CodeNotFound {
		t.Errorf("a made-up request: %v", err)
	}
}

// TestRequesterNeverSeesOwnMatches: a manager who asks for access is the requester, not an
// authoriser of that request: like any requester they see neither the matched set nor its
// metadata until it is approved (otherwise requests would be a way to search the catalogue).
// Only where the setting lets authorisers approve their own requests do they see it, as the
// one who will decide it.
func TestRequesterNeverSeesOwnMatches(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	own := f.request(t, "max", callvault.PurposeComplaint)
	if recs, err := f.svc.MatchedRecordings(ctx, f.users["max"], own.ID); err == nil {
		t.Errorf("a manager sees the %d recordings their own request matched", len(recs))
	}
	if v, err := f.svc.Request(ctx, f.users["max"], own.ID); err != nil || v.MatchedIDs != nil {
		t.Errorf("a manager's own pending request shows matched %v (%v)", v.MatchedIDs, err)
	}
	if v, err := f.svc.Request(ctx, f.users["dan"], own.ID); err != nil || len(v.MatchedIDs) != 2 {
		t.Errorf("another authoriser sees %v (%v); want the two matched", v.MatchedIDs, err)
	}
	f.svc.Rules = &access.Rules{AllowSelfApproval: true}
	if recs, err := f.svc.MatchedRecordings(ctx, f.users["max"], own.ID); err != nil || len(recs) != 2 {
		t.Errorf("with self-approval allowed, the manager deciding their own request sees %d, %v", len(recs), err)
	}
}

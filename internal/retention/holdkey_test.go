package retention_test

import (
	"context"
	"testing"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/archive/archivetest"
	"github.com/callvault/callvault/internal/retention"
)

// fakeRewrapper re-wraps by appending a byte to the header (the catalogue only compares and
// stores it) and counts the moves.
type fakeRewrapper struct {
	store callvault.EpochStore
	month string
	moves []string
}

func (f *fakeRewrapper) Rewrap(ctx context.Context, rec *callvault.Recording, to, actor, reason string) (*callvault.Recording, error) {
	header := append(append([]byte(nil), rec.Header...), '!')
	ev := &callvault.AuditEvent{Time: time.Now(), Actor: actor, Action: callvault.ActionRecordingRewrap, Object: "recording:" + rec.ID}
	if err := f.store.RewrapRecording(ctx, rec.ID, rec.Header, to, header, ev); err != nil {
		return nil, err
	}
	f.moves = append(f.moves, to)
	out := *rec
	out.Header, out.KeyEpoch = header, to
	return &out, nil
}

func (f *fakeRewrapper) EpochFor(*callvault.Recording) string { return f.month }

// A recording stays on the hold key while any of its holds is active, and goes back to its
// month epoch when the last is released.
func TestHoldsMoveRecordingToHoldKeyUntilLastRelease(t *testing.T) {
	f := archivetest.New(t)
	ctx := context.Background()
	now := time.Now()
	rec := ingestParty(t, f.Service, 1, now)
	rw := &fakeRewrapper{store: f.DB, month: rec.KeyEpoch}
	holds := &retention.Holds{Store: f.DB, Recordings: f.DB, Rewrapper: rw}
	epoch := func() string {
		r, err := f.DB.Recording(ctx, rec.ID)
		if err != nil {
			t.Fatal(err)
		}
		return r.KeyEpoch
	}
	var ids []string
	for _, reason := range []string{"case 1", "case 2"} {
		h, err := holds.Place(ctx, retention.PlaceRequest{RecordingID: rec.ID, Reason: reason, ReviewAt: now.AddDate(0, 1, 0), Actor: "dpo"})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, h.ID)
		if got := epoch(); got != callvault.HoldEpoch {
			t.Fatalf("after hold %q: sealed to %q, want the hold key", reason, got)
		}
	}
	if _, err := holds.Release(ctx, ids[0], "dpo", "closed"); err != nil {
		t.Fatal(err)
	}
	if got := epoch(); got != callvault.HoldEpoch {
		t.Fatalf("one hold of two released: sealed to %q, want the hold key", got)
	}
	if _, err := holds.Release(ctx, ids[1], "dpo", "closed"); err != nil {
		t.Fatal(err)
	}
	if got := epoch(); got != rec.KeyEpoch {
		t.Fatalf("last hold released: sealed to %q, want %s", got, rec.KeyEpoch)
	}
	if len(rw.moves) != 2 {
		t.Errorf("re-wraps %v, want one to the hold key and one back", rw.moves)
	}
	if n, err := holds.ReconcileHoldKey(ctx); err != nil || n != 0 {
		t.Errorf("reconcile after a clean release moved %d: %v", n, err)
	}
}

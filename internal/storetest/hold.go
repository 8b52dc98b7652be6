package storetest

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/callvault/callvault"
	"github.com/google/go-cmp/cmp"
)

// holdStore returns a fresh catalogue as the HoldStore every backend must be.
func holdStore(t *testing.T, open Opener) (callvault.Catalogue, callvault.HoldStore) {
	t.Helper()
	cat := open(t)
	hs, ok := cat.(callvault.HoldStore)
	if !ok {
		t.Fatalf("%T does not implement callvault.HoldStore; every catalogue backend must", cat)
	}
	return cat, hs
}

func newHold(recordingID string) *callvault.Hold {
	return &callvault.Hold{
		ID: callvault.NewID(), RecordingID: recordingID, Reason: "complaint C-17: \"quote\" é\nsecond line",
		CaseID: "case-17", ReviewAt: base.AddDate(0, 3, 0), PlacedBy: "dpo@example.org", PlacedAt: base.Add(time.Hour),
	}
}

func placeHold(t *testing.T, hs callvault.HoldStore, h *callvault.Hold) {
	t.Helper()
	if err := hs.PlaceHold(ctx(), h, newEvent(callvault.ActionHoldPlace, "hold:"+h.ID)); err != nil {
		t.Fatalf("PlaceHold: %v", err)
	}
}

func holds(t *testing.T, hs callvault.HoldStore, f callvault.HoldFilter) []string {
	t.Helper()
	got, err := hs.Holds(ctx(), f)
	if err != nil {
		t.Fatalf("Holds(%+v): %v", f, err)
	}
	out := []string{}
	for _, h := range got {
		out = append(out, h.ID)
	}
	return out
}

func testHolds(t *testing.T, open Opener) {
	t.Run("Import", func(t *testing.T) {
		cat, hs := holdStore(t, open)
		imp, ok := cat.(callvault.HoldImporter)
		if !ok {
			t.Fatalf("%T does not implement callvault.HoldImporter; every catalogue backend must", cat)
		}
		r := newRecording(1)
		create(t, cat, r)
		active, released := newHold(r.ID), newHold(r.ID)
		released.ReleasedBy, released.ReleasedAt, released.ReleaseReason = "dpo@example.org", base.Add(2*time.Hour), "case closed"
		for _, h := range []*callvault.Hold{active, released} {
			h.ReviewAt, h.PlacedAt = h.ReviewAt.UTC().Truncate(time.Microsecond), h.PlacedAt.UTC().Truncate(time.Microsecond)
			if !h.ReleasedAt.IsZero() {
				h.ReleasedAt = h.ReleasedAt.UTC().Truncate(time.Microsecond)
			}
			if err := imp.ImportHold(ctx(), h); err != nil {
				t.Fatalf("ImportHold: %v", err)
			}
			got, err := hs.Hold(ctx(), h.ID)
			if err != nil {
				t.Fatal(err)
			}
			got.RetainUntil = time.Time{}
			if diff := cmp.Diff(h, got); diff != "" {
				t.Errorf("imported hold differs (-want +got):\n%s", diff)
			}
		}
		if got := holds(t, hs, callvault.HoldFilter{ActiveOnly: true}); len(got) != 1 || got[0] != active.ID {
			t.Errorf("active holds after import: %v, want [%s]", got, active.ID)
		}
		if err := imp.ImportHold(ctx(), active); !callvault.IsKind(err, callvault.KindConflict) {
			t.Errorf("importing a hold again: %v, want a conflict", err)
		}
		if err := imp.ImportHold(ctx(), newHold(callvault.NewID())); !callvault.IsKind(err, callvault.KindNotFound) {
			t.Errorf("importing a hold of no recording: %v, want not found", err)
		}
		if err := cat.DeleteRecording(ctx(), r.ID, newEvent(callvault.ActionRecordingDelete, "recording:"+r.ID)); !callvault.IsKind(err, callvault.KindConflict) {
			t.Errorf("deleting a recording under an imported hold: %v, want a conflict", err)
		}
	})
	t.Run("PlaceReadRelease", func(t *testing.T) {
		cat, hs := holdStore(t, open)
		r := newRecording(1)
		create(t, cat, r)
		h := newHold(r.ID)
		ev := newEvent(callvault.ActionHoldPlace, "hold:"+h.ID)
		if err := hs.PlaceHold(ctx(), h, ev); err != nil {
			t.Fatalf("PlaceHold: %v", err)
		}
		if ev.Seq != 2 || ev.Hash == "" {
			t.Errorf("PlaceHold did not seal its event: seq %d hash %q", ev.Seq, ev.Hash)
		}
		got, err := hs.Hold(ctx(), h.ID)
		if err != nil {
			t.Fatalf("Hold: %v", err)
		}
		want := *h
		want.RetainUntil = r.RetainUntil
		if diff := cmp.Diff(&want, got, cmpOpts); diff != "" {
			t.Fatalf("Hold (-want +got):\n%s", diff)
		}
		if !got.Active() {
			t.Error("a new hold is not active")
		}
		err = hs.PlaceHold(ctx(), h, newEvent(callvault.ActionHoldPlace, "again"))
		wantKind(t, err, callvault.KindConflict, "PlaceHold(same ID)")

		at := base.Add(48 * time.Hour)
		ev = newEvent(callvault.ActionHoldRelease, "hold:"+h.ID)
		if err := hs.ReleaseHold(ctx(), h.ID, "dpo2@example.org", at, "case closed", ev); err != nil {
			t.Fatalf("ReleaseHold: %v", err)
		}
		if ev.Seq != 3 {
			t.Errorf("ReleaseHold sealed seq %d, want 3", ev.Seq)
		}
		got, err = hs.Hold(ctx(), h.ID)
		if err != nil {
			t.Fatalf("Hold: %v", err)
		}
		want.ReleasedBy, want.ReleasedAt, want.ReleaseReason = "dpo2@example.org", at, "case closed"
		if diff := cmp.Diff(&want, got, cmpOpts); diff != "" {
			t.Fatalf("released Hold (-want +got):\n%s", diff)
		}
		err = hs.ReleaseHold(ctx(), h.ID, "x", at, "again", newEvent(callvault.ActionHoldRelease, "x"))
		wantKind(t, err, callvault.KindNotFound, "ReleaseHold(twice)")
		err = hs.ReleaseHold(ctx(), callvault.NewID(), "x", at, "unknown", newEvent(callvault.ActionHoldRelease, "x"))
		wantKind(t, err, callvault.KindNotFound, "ReleaseHold(unknown)")
		_, err = hs.Hold(ctx(), callvault.NewID())
		wantKind(t, err, callvault.KindNotFound, "Hold(unknown)")
		if n := len(allEvents(t, cat)); n != 3 {
			t.Errorf("%d audit events, want 3: refused changes must append nothing", n)
		}
	})

	t.Run("Refused", func(t *testing.T) {
		cat, hs := holdStore(t, open)
		r := newRecording(1)
		create(t, cat, r)
		err := hs.PlaceHold(ctx(), newHold(callvault.NewID()), newEvent(callvault.ActionHoldPlace, "x"))
		wantKind(t, err, callvault.KindNotFound, "PlaceHold(unknown recording)")
		for name, mutate := range map[string]func(*callvault.Hold){
			"no reason":      func(h *callvault.Hold) { h.Reason = "  " },
			"long reason":    func(h *callvault.Hold) { h.Reason = strings.Repeat("x", callvault.MaxHoldReason+1) },
			"control":        func(h *callvault.Hold) { h.Reason = "a\x00b" },
			"no review date": func(h *callvault.Hold) { h.ReviewAt = time.Time{} },
			"no placer":      func(h *callvault.Hold) { h.PlacedBy = "" },
			"bad id":         func(h *callvault.Hold) { h.ID = "x" },
		} {
			h := newHold(r.ID)
			mutate(h)
			err := hs.PlaceHold(ctx(), h, newEvent(callvault.ActionHoldPlace, "x"))
			wantKind(t, err, callvault.KindInvalid, "PlaceHold("+name+")")
		}
		h := newHold(r.ID)
		placeHold(t, hs, h)
		err = hs.ReleaseHold(ctx(), h.ID, "dpo", base, "", newEvent(callvault.ActionHoldRelease, "x"))
		wantKind(t, err, callvault.KindInvalid, "ReleaseHold(no reason)")
		err = cat.DeleteRecording(ctx(), r.ID, newEvent(callvault.ActionRecordingDelete, r.ID))
		wantKind(t, err, callvault.KindConflict, "DeleteRecording(held)")
		gone := newRecording(2)
		create(t, cat, gone)
		if err := cat.DeleteRecording(ctx(), gone.ID, newEvent(callvault.ActionRecordingDelete, gone.ID)); err != nil {
			t.Fatal(err)
		}
		err = hs.PlaceHold(ctx(), newHold(gone.ID), newEvent(callvault.ActionHoldPlace, "x"))
		wantKind(t, err, callvault.KindNotFound, "PlaceHold(deleted recording)")
	})

	t.Run("HeldIsNeverDeleted", func(t *testing.T) {
		cat, hs := holdStore(t, open)
		r, free := newRecording(1), newRecording(2)
		create(t, cat, r)
		create(t, cat, free)
		h1, h2 := newHold(r.ID), newHold(r.ID) // two cases hold the same recording
		placeHold(t, hs, h1)
		placeHold(t, hs, h2)
		before := len(allEvents(t, cat))
		err := cat.DeleteRecording(ctx(), r.ID, newEvent(callvault.ActionRecordingDelete, r.ID))
		wantKind(t, err, callvault.KindConflict, "DeleteRecording(held)")
		if !strings.Contains(err.Error(), h1.ID) || !strings.Contains(err.Error(), "hold") {
			t.Errorf("refusal %q does not name the hold %s", err, h1.ID)
		}
		if _, err := cat.Recording(ctx(), r.ID); err != nil {
			t.Errorf("the held recording is damaged after a refused delete: %v", err)
		}
		if n := len(allEvents(t, cat)); n != before {
			t.Errorf("a refused delete appended %d events", n-before)
		}

		// Expired listings leave the held recording out; the hold listing names it.
		late := r.RetainUntil.Add(time.Hour)
		if late.Before(free.RetainUntil) {
			late = free.RetainUntil.Add(time.Hour)
		}
		exp, err := cat.ExpiredRecordings(ctx(), late, 10)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{free.ID}, ids(exp)); diff != "" {
			t.Errorf("ExpiredRecordings with a held recording (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{h1.ID, h2.ID}, holds(t, hs, callvault.HoldFilter{ExpiredBefore: late})); diff != "" {
			t.Errorf("Holds(ExpiredBefore) (-want +got):\n%s", diff)
		}
		if got := holds(t, hs, callvault.HoldFilter{ExpiredBefore: base}); len(got) != 0 {
			t.Errorf("Holds(ExpiredBefore before any retention end) = %v, want none", got)
		}

		// Released from one hold, still held by the other.
		if err := hs.ReleaseHold(ctx(), h1.ID, "dpo", base, "case 1 closed", newEvent(callvault.ActionHoldRelease, h1.ID)); err != nil {
			t.Fatal(err)
		}
		err = cat.DeleteRecording(ctx(), r.ID, newEvent(callvault.ActionRecordingDelete, r.ID))
		wantKind(t, err, callvault.KindConflict, "DeleteRecording(held by the second hold)")
		if !strings.Contains(err.Error(), h2.ID) {
			t.Errorf("refusal %q does not name the remaining hold %s", err, h2.ID)
		}
		if diff := cmp.Diff([]string{h2.ID}, holds(t, hs, callvault.HoldFilter{ActiveOnly: true})); diff != "" {
			t.Errorf("Holds(ActiveOnly) (-want +got):\n%s", diff)
		}
		if err := hs.ReleaseHold(ctx(), h2.ID, "dpo", base, "case 2 closed", newEvent(callvault.ActionHoldRelease, h2.ID)); err != nil {
			t.Fatal(err)
		}
		exp, err = cat.ExpiredRecordings(ctx(), late, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(exp) != 2 {
			t.Errorf("ExpiredRecordings after release = %v, want both", ids(exp))
		}
		if err := cat.DeleteRecording(ctx(), r.ID, newEvent(callvault.ActionRecordingDelete, r.ID)); err != nil {
			t.Fatalf("DeleteRecording after every hold was released: %v", err)
		}
		// Released holds stay as a record, and name a recording that is gone.
		got, err := hs.Hold(ctx(), h1.ID)
		if err != nil || got.Active() || !got.RetainUntil.IsZero() {
			t.Errorf("Hold of a deleted recording = %+v, %v; want released, no retain_until", got, err)
		}
	})

	t.Run("ListFilterAndPage", func(t *testing.T) {
		cat, hs := holdStore(t, open)
		var all []string
		var rs []*callvault.Recording
		for i := range 3 {
			r := newRecording(i)
			create(t, cat, r)
			rs = append(rs, r)
			for range 2 {
				h := newHold(r.ID)
				placeHold(t, hs, h)
				all = append(all, h.ID)
			}
		}
		if diff := cmp.Diff(all, holds(t, hs, callvault.HoldFilter{})); diff != "" {
			t.Errorf("Holds() (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(all[2:4], holds(t, hs, callvault.HoldFilter{RecordingID: rs[1].ID})); diff != "" {
			t.Errorf("Holds(recording) (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(all[2:4], holds(t, hs, callvault.HoldFilter{After: all[1], Limit: 2})); diff != "" {
			t.Errorf("Holds(page) (-want +got):\n%s", diff)
		}
	})

	t.Run("RaceWithDelete", func(t *testing.T) {
		// A hold placed while the recording is being deleted: exactly one of the two wins, and
		// never does a hold end up active on a deleted recording.
		cat, hs := holdStore(t, open)
		const n = 20
		var rs []*callvault.Recording
		for i := range n {
			r := newRecording(i)
			create(t, cat, r)
			rs = append(rs, r)
		}
		type outcome struct{ hold, del error }
		out := make([]outcome, n)
		var wg sync.WaitGroup
		for i, r := range rs {
			wg.Add(2)
			go func() {
				defer wg.Done()
				out[i].hold = hs.PlaceHold(ctx(), newHold(r.ID), newEvent(callvault.ActionHoldPlace, r.ID))
			}()
			go func() {
				defer wg.Done()
				out[i].del = cat.DeleteRecording(ctx(), r.ID, newEvent(callvault.ActionRecordingDelete, r.ID))
			}()
		}
		wg.Wait()
		for i, o := range out {
			switch {
			case o.hold == nil && callvault.IsKind(o.del, callvault.KindConflict):
				if _, err := cat.Recording(ctx(), rs[i].ID); err != nil {
					t.Errorf("recording %d: held, but gone: %v", i, err)
				}
			case o.del == nil && callvault.IsKind(o.hold, callvault.KindNotFound):
			default:
				t.Errorf("recording %d: hold %v, delete %v; want exactly one to win", i, o.hold, o.del)
			}
		}
		active, err := hs.Holds(ctx(), callvault.HoldFilter{ActiveOnly: true, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range active {
			if h.RetainUntil.IsZero() {
				t.Errorf("active hold %s on a deleted recording", h.ID)
			}
		}
		t.Logf("%d of %d races won by the hold", len(active), n)
	})
}

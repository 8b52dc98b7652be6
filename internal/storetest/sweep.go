package storetest

import (
	"testing"
	"time"

	"github.com/callvault/callvault"
	"github.com/google/go-cmp/cmp"
)

func testRetentionStore(t *testing.T, open Opener) {
	get := func(t *testing.T) (callvault.Catalogue, callvault.RetentionStore) {
		cat := open(t)
		rs, ok := cat.(callvault.RetentionStore)
		if !ok {
			t.Fatalf("%T does not implement callvault.RetentionStore; every catalogue backend must", cat)
		}
		return cat, rs
	}
	state := func(t *testing.T, rs callvault.RetentionStore) *callvault.SweepState {
		t.Helper()
		st, err := rs.SweepState(ctx())
		if err != nil {
			t.Fatalf("SweepState: %v", err)
		}
		return st
	}
	t.Run("SweepState", func(t *testing.T) {
		_, rs := get(t)
		if diff := cmp.Diff(&callvault.SweepState{}, state(t, rs), cmpOpts); diff != "" {
			t.Fatalf("state of a vault that never swept (-want +got):\n%s", diff)
		}
		err := rs.RecordSweep(ctx(), &callvault.SweepRun{Node: "a"})
		wantKind(t, err, callvault.KindInvalid, "RecordSweep(no times)")
		run := func(at time.Time, ok bool, deleted int, msg string) *callvault.SweepRun {
			r := &callvault.SweepRun{Node: "node-1", StartedAt: at, FinishedAt: at.Add(time.Minute), OK: ok, Deleted: deleted, Held: 2, Error: msg}
			if err := rs.RecordSweep(ctx(), r); err != nil {
				t.Fatalf("RecordSweep: %v", err)
			}
			return r
		}
		ok1 := run(base, true, 10, "")
		f1 := run(base.Add(time.Hour), false, 3, "the blob store is unavailable")
		f2 := run(base.Add(2*time.Hour), false, 0, "again")
		want := &callvault.SweepState{LastOK: ok1, LastFailed: f2, FailingSince: f1.StartedAt}
		if diff := cmp.Diff(want, state(t, rs), cmpOpts); diff != "" {
			t.Fatalf("after two failures (-want +got):\n%s", diff)
		}
		ok2 := run(base.Add(3*time.Hour), true, 5, "")
		want = &callvault.SweepState{LastOK: ok2, LastFailed: f2}
		if diff := cmp.Diff(want, state(t, rs), cmpOpts); diff != "" {
			t.Fatalf("after a success (-want +got):\n%s", diff)
		}
		f3 := run(base.Add(4*time.Hour), false, 0, "third")
		if got := state(t, rs); !got.FailingSince.Equal(f3.StartedAt.UTC().Truncate(time.Microsecond)) {
			t.Fatalf("failing since %v after a new failure, want %v", got.FailingSince, f3.StartedAt)
		}
	})
	t.Run("Stats", func(t *testing.T) {
		cat, rs := get(t)
		st, err := rs.RetentionStats(ctx(), base)
		if err != nil || st.Live != 0 || st.Oldest != nil {
			t.Fatalf("stats of an empty vault: %+v %v", st, err)
		}
		hs := cat.(callvault.HoldStore)
		var rs3 []*callvault.Recording
		for i := range 4 {
			r := newRecording(i)
			r.RetainUntil = base.Add(time.Duration(i) * time.Hour)
			create(t, cat, r)
			rs3 = append(rs3, r)
		}
		placeHold(t, hs, newHold(rs3[1].ID))
		placeHold(t, hs, newHold(rs3[1].ID))
		if err := cat.DeleteRecording(ctx(), rs3[0].ID, newEvent(callvault.ActionRecordingDelete, rs3[0].ID)); err != nil {
			t.Fatal(err)
		}
		// At base+2h30: recordings 1 (held) and 2 are past retention, 3 is not, 0 is deleted.
		st, err = rs.RetentionStats(ctx(), base.Add(150*time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		want := &callvault.RetentionStats{Live: 3, Expired: 1, HeldExpired: 1,
			Oldest: &callvault.OldestRecording{ID: rs3[1].ID, StartedAt: rs3[1].StartedAt, RetainUntil: rs3[1].RetainUntil}}
		if diff := cmp.Diff(want, st, cmpOpts); diff != "" {
			t.Fatalf("RetentionStats (-want +got):\n%s", diff)
		}
	})
	t.Run("Recompute", func(t *testing.T) {
		cat, rs := get(t)
		applied, target, after, err := rs.RecomputeState(ctx())
		if err != nil || applied != 0 || target != 0 || after != "" {
			t.Fatalf("RecomputeState of a new vault: %d %d %q %v", applied, target, after, err)
		}
		live, gone := newRecording(1), newRecording(2)
		create(t, cat, live)
		create(t, cat, gone)
		if err := cat.DeleteRecording(ctx(), gone.ID, newEvent(callvault.ActionRecordingDelete, gone.ID)); err != nil {
			t.Fatal(err)
		}
		err = rs.UpdateRetainUntil(ctx(), nil, 0, "", true, newEvent(callvault.ActionRetentionRecompute, "retention"))
		wantKind(t, err, callvault.KindInvalid, "UpdateRetainUntil(0 months)")
		when := base.AddDate(0, 3, 0)
		ev := newEvent(callvault.ActionRetentionRecompute, "retention")
		err = rs.UpdateRetainUntil(ctx(), []callvault.RetainChange{{ID: live.ID, RetainUntil: when}, {ID: gone.ID, RetainUntil: when}}, 3, live.ID, false, ev)
		if err != nil || ev.Seq == 0 {
			t.Fatalf("UpdateRetainUntil: %v (seq %d)", err, ev.Seq)
		}
		if got, err := cat.Recording(ctx(), live.ID); err != nil || !got.RetainUntil.Equal(when.UTC().Truncate(time.Microsecond)) {
			t.Fatalf("retain_until after the update: %v %v", got.RetainUntil, err)
		}
		if applied, target, after, _ := rs.RecomputeState(ctx()); applied != 0 || target != 3 || after != live.ID {
			t.Fatalf("RecomputeState under way: %d %d %q", applied, target, after)
		}
		if err := rs.UpdateRetainUntil(ctx(), nil, 3, gone.ID, true, newEvent(callvault.ActionRetentionRecompute, "retention")); err != nil {
			t.Fatal(err)
		}
		if applied, target, after, _ := rs.RecomputeState(ctx()); applied != 3 || target != 3 || after != "" {
			t.Fatalf("RecomputeState when done: %d %d %q", applied, target, after)
		}
	})
}

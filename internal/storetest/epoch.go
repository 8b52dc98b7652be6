package storetest

import (
	"bytes"
	"slices"
	"testing"
	"time"

	"github.com/callvault/callvault"
	"github.com/google/go-cmp/cmp"
)

// epochStore returns a fresh catalogue as the EpochStore every backend must be.
func epochStore(t *testing.T, open Opener) (callvault.Catalogue, callvault.EpochStore) {
	t.Helper()
	cat := open(t)
	es, ok := cat.(callvault.EpochStore)
	if !ok {
		t.Fatalf("%T does not implement callvault.EpochStore; every catalogue backend must", cat)
	}
	return cat, es
}

func destruction(epoch string) *callvault.EpochDestruction {
	return &callvault.EpochDestruction{Epoch: epoch, Recipient: "age1pq1" + epoch, DestroyedAt: base.Add(time.Hour)}
}

func testEpochs(t *testing.T, open Opener) {
	t.Run("Rewrap", func(t *testing.T) {
		cat, es := epochStore(t, open)
		r := newRecording(1)
		create(t, cat, r)
		moved := []byte("age-encryption.org/v1\n-> hold \x00\x01\n--- new\n")
		ev := newEvent(callvault.ActionRecordingRewrap, r.ID)
		if err := es.RewrapRecording(ctx(), r.ID, r.Header, callvault.HoldEpoch, moved, ev); err != nil {
			t.Fatalf("RewrapRecording: %v", err)
		}
		if ev.Seq != 2 || ev.Hash == "" {
			t.Errorf("RewrapRecording did not seal its event: seq %d hash %q", ev.Seq, ev.Hash)
		}
		got, err := cat.Recording(ctx(), r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Header, moved) || got.KeyEpoch != callvault.HoldEpoch {
			t.Fatalf("after re-wrap: epoch %q header %q", got.KeyEpoch, got.Header)
		}
		// Nothing else changed.
		want := *r
		want.Header, want.KeyEpoch = moved, callvault.HoldEpoch
		if diff := cmp.Diff(&want, got, cmpOpts); diff != "" {
			t.Errorf("re-wrap changed more than the header (-want +got):\n%s", diff)
		}

		// A stale re-wrap (from the old header) writes nothing.
		err = es.RewrapRecording(ctx(), r.ID, r.Header, "2026-09", []byte("other"), newEvent(callvault.ActionRecordingRewrap, r.ID))
		wantKind(t, err, callvault.KindConflict, "RewrapRecording(stale header)")
		err = es.RewrapRecording(ctx(), callvault.NewID(), moved, "2026-09", []byte("other"), newEvent(callvault.ActionRecordingRewrap, "x"))
		wantKind(t, err, callvault.KindNotFound, "RewrapRecording(unknown)")
		err = es.RewrapRecording(ctx(), r.ID, moved, "2026-13", []byte("other"), newEvent(callvault.ActionRecordingRewrap, r.ID))
		wantKind(t, err, callvault.KindInvalid, "RewrapRecording(bad epoch)")
		err = es.RewrapRecording(ctx(), r.ID, moved, "2026-09", nil, newEvent(callvault.ActionRecordingRewrap, r.ID))
		wantKind(t, err, callvault.KindInvalid, "RewrapRecording(no header)")
		err = es.RewrapRecording(ctx(), r.ID, moved, "2026-09", []byte("x"), nil)
		wantKind(t, err, callvault.KindInvalid, "RewrapRecording(no event)")
		if n := len(allEvents(t, cat)); n != 2 {
			t.Errorf("%d events after refused re-wraps, want 2", n)
		}
		if got, _ := cat.Recording(ctx(), r.ID); !bytes.Equal(got.Header, moved) {
			t.Error("a refused re-wrap changed the header")
		}
		// A shredded recording cannot be re-wrapped.
		if err := cat.DeleteRecording(ctx(), r.ID, newEvent(callvault.ActionRecordingDelete, r.ID)); err != nil {
			t.Fatal(err)
		}
		err = es.RewrapRecording(ctx(), r.ID, moved, "2026-09", []byte("back"), newEvent(callvault.ActionRecordingRewrap, r.ID))
		wantKind(t, err, callvault.KindNotFound, "RewrapRecording(deleted)")
	})

	t.Run("SealedRecordings", func(t *testing.T) {
		cat, es := epochStore(t, open)
		var legacy []string
		for i := range 5 {
			r := newRecording(i)
			if i%2 == 0 {
				r.KeyEpoch = ""
				legacy = append(legacy, r.ID)
			}
			create(t, cat, r)
		}
		gone := newRecording(9)
		gone.KeyEpoch = ""
		create(t, cat, gone)
		if err := cat.DeleteRecording(ctx(), gone.ID, newEvent(callvault.ActionRecordingDelete, gone.ID)); err != nil {
			t.Fatal(err)
		}
		slices.Sort(legacy)
		var got []string
		for after := ""; ; {
			page, err := es.SealedRecordings(ctx(), "", after, 2)
			if err != nil {
				t.Fatalf("SealedRecordings: %v", err)
			}
			if len(page) == 0 {
				break
			}
			for _, r := range page {
				if r.KeyEpoch != "" || r.Header == nil {
					t.Errorf("SealedRecordings(\"\") returned %s of epoch %q, header %v", r.ID, r.KeyEpoch, r.Header != nil)
				}
				got = append(got, r.ID)
			}
			after = page[len(page)-1].ID
		}
		if !slices.Equal(got, legacy) {
			t.Errorf("SealedRecordings(\"\") = %v, want the live vault-key recordings %v in ID order", got, legacy)
		}
		if page, err := es.SealedRecordings(ctx(), "2026-03", "", 0); err != nil || len(page) != 2 {
			t.Errorf("SealedRecordings(2026-03) = %d recordings, %v; want 2", len(page), err)
		}
		if page, err := es.SealedRecordings(ctx(), "2031-01", "", 0); err != nil || len(page) != 0 {
			t.Errorf("SealedRecordings of an empty epoch = %d, %v", len(page), err)
		}
	})

	t.Run("ImportDestruction", func(t *testing.T) {
		cat, es := epochStore(t, open)
		imp, ok := cat.(callvault.EpochImporter)
		if !ok {
			t.Fatalf("%T does not implement callvault.EpochImporter; every catalogue backend must", cat)
		}
		r := newRecording(1) // a live recording in the epoch: an import copies verbatim all the same
		create(t, cat, r)
		if err := imp.ImportEpochDestruction(ctx(), destruction("2026-03")); err != nil {
			t.Fatalf("ImportEpochDestruction: %v", err)
		}
		wantKind(t, imp.ImportEpochDestruction(ctx(), destruction("2026-03")), callvault.KindConflict, "ImportEpochDestruction(twice)")
		wantKind(t, imp.ImportEpochDestruction(ctx(), &callvault.EpochDestruction{Epoch: "hold", Recipient: "r", DestroyedAt: base}),
			callvault.KindInvalid, "ImportEpochDestruction(hold)")
		got, err := es.DestroyedEpochs(ctx())
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]*callvault.EpochDestruction{destruction("2026-03")}, got, cmpOpts); diff != "" {
			t.Errorf("DestroyedEpochs (-want +got):\n%s", diff)
		}
		if n := len(allEvents(t, cat)); n != 1 {
			t.Errorf("%d events, want only the ingest's: an import appends none", n)
		}
	})

	t.Run("DestroyOnlyEmptyEpochs", func(t *testing.T) {
		cat, es := epochStore(t, open)
		if got, err := es.DestroyedEpochs(ctx()); err != nil || got != nil {
			t.Fatalf("DestroyedEpochs of a new catalogue = %v, %v; want nil, nil", got, err)
		}
		r := newRecording(1) // sealed to 2026-03
		create(t, cat, r)
		err := es.DestroyEpoch(ctx(), destruction("2026-03"), newEvent(callvault.ActionKeyEpochDestroy, "epoch:2026-03"))
		wantKind(t, err, callvault.KindConflict, "DestroyEpoch(a live recording in it)")

		// Re-wrapped away (a hold), the epoch is empty and can go.
		if err := es.RewrapRecording(ctx(), r.ID, r.Header, callvault.HoldEpoch, []byte("held"), newEvent(callvault.ActionRecordingRewrap, r.ID)); err != nil {
			t.Fatal(err)
		}
		ev := newEvent(callvault.ActionKeyEpochDestroy, "epoch:2026-03")
		if err := es.DestroyEpoch(ctx(), destruction("2026-03"), ev); err != nil {
			t.Fatalf("DestroyEpoch: %v", err)
		}
		if ev.Seq == 0 || ev.Hash == "" {
			t.Error("DestroyEpoch did not seal its event")
		}
		n := len(allEvents(t, cat))
		err = es.DestroyEpoch(ctx(), destruction("2026-03"), newEvent(callvault.ActionKeyEpochDestroy, "epoch:2026-03"))
		wantKind(t, err, callvault.KindConflict, "DestroyEpoch(twice)")
		if err := es.DestroyEpoch(ctx(), destruction("2026-01"), newEvent(callvault.ActionKeyEpochDestroy, "epoch:2026-01")); err != nil {
			t.Fatalf("DestroyEpoch of an unused month: %v", err)
		}
		for _, bad := range []*callvault.EpochDestruction{
			{Epoch: "2026", Recipient: "r", DestroyedAt: base}, {Epoch: callvault.HoldEpoch, Recipient: "r", DestroyedAt: base},
			{Epoch: "2026-02", DestroyedAt: base}, {Epoch: "2026-02", Recipient: "r"},
		} {
			err := es.DestroyEpoch(ctx(), bad, newEvent(callvault.ActionKeyEpochDestroy, "epoch"))
			wantKind(t, err, callvault.KindInvalid, "DestroyEpoch("+bad.Epoch+")")
		}
		got, err := es.DestroyedEpochs(ctx())
		if err != nil {
			t.Fatal(err)
		}
		want := []*callvault.EpochDestruction{destruction("2026-01"), destruction("2026-03")}
		if diff := cmp.Diff(want, got, cmpOpts); diff != "" {
			t.Errorf("DestroyedEpochs (-want +got):\n%s", diff)
		}
		if m := len(allEvents(t, cat)); m != n+1 {
			t.Errorf("%d events, want %d: refused destructions must append nothing", m, n+1)
		}

		// Nothing is sealed to a destroyed epoch again, by ingest or by re-wrap.
		late := newRecording(2)
		err = cat.CreateRecording(ctx(), late, newEvent(callvault.ActionRecordingIngest, late.ID))
		wantKind(t, err, callvault.KindConflict, "CreateRecording(destroyed epoch)")
		if _, err := cat.Recording(ctx(), late.ID); !callvault.IsKind(err, callvault.KindNotFound) {
			t.Errorf("the refused recording was stored: %v", err)
		}
		err = es.RewrapRecording(ctx(), r.ID, []byte("held"), "2026-03", []byte("back"), newEvent(callvault.ActionRecordingRewrap, r.ID))
		wantKind(t, err, callvault.KindConflict, "RewrapRecording(into a destroyed epoch)")
		late.KeyEpoch = "2026-04"
		create(t, cat, late)

		// The vault key ("") is retired the same way, once nothing live is sealed to it.
		legacy := newRecording(3)
		legacy.KeyEpoch = ""
		create(t, cat, legacy)
		vaultKey := &callvault.EpochDestruction{Epoch: "", Recipient: "age1pq1vault", DestroyedAt: base.Add(time.Hour)}
		err = es.DestroyEpoch(ctx(), vaultKey, newEvent(callvault.ActionKeyEpochDestroy, "epoch:vault"))
		wantKind(t, err, callvault.KindConflict, "DestroyEpoch(vault key still sealing a recording)")
		if err := es.RewrapRecording(ctx(), legacy.ID, legacy.Header, "2026-04", []byte("moved"), newEvent(callvault.ActionRecordingRewrap, legacy.ID)); err != nil {
			t.Fatal(err)
		}
		if err := es.DestroyEpoch(ctx(), vaultKey, newEvent(callvault.ActionKeyEpochDestroy, "epoch:vault")); err != nil {
			t.Fatalf("DestroyEpoch(vault key): %v", err)
		}
		again := newRecording(4)
		again.KeyEpoch = ""
		err = cat.CreateRecording(ctx(), again, newEvent(callvault.ActionRecordingIngest, again.ID))
		wantKind(t, err, callvault.KindConflict, "CreateRecording(retired vault key)")
	})
}

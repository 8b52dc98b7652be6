package storetest

import (
	"testing"

	"github.com/callvault/callvault"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// tombstoneOf is the tombstone the deletion of r leaves (DeletedAt aside).
func tombstoneOf(r *callvault.Recording) *callvault.Tombstone {
	return &callvault.Tombstone{
		ID: r.ID, Source: r.Source, SourceID: r.SourceID, StartedAt: r.StartedAt,
		PlainSize: r.PlainSize, StoredSize: r.StoredSize, PlainSHA256: r.PlainSHA256, StoredSHA256: r.StoredSHA256,
		BlobKey: r.BlobKey, KeyEpoch: r.KeyEpoch, RetainUntil: r.RetainUntil, CreatedAt: r.CreatedAt,
	}
}

func testTombstones(t *testing.T, open Opener) {
	t.Run("List", func(t *testing.T) {
		cat, imp := importer(t, open)
		if got, err := imp.Tombstones(ctx(), "", 10); err != nil || len(got) != 0 {
			t.Fatalf("Tombstones of a new catalogue = %v, %v; want none", got, err)
		}
		rs := []*callvault.Recording{newRecording(1), newRecording(2), newRecording(3)}
		for _, r := range rs {
			create(t, cat, r)
		}
		for _, r := range []*callvault.Recording{rs[0], rs[2]} {
			if err := cat.DeleteRecording(ctx(), r.ID, newEvent(callvault.ActionRecordingDelete, r.ID)); err != nil {
				t.Fatalf("DeleteRecording: %v", err)
			}
		}
		got, err := imp.Tombstones(ctx(), "", 10)
		if err != nil {
			t.Fatalf("Tombstones: %v", err)
		}
		want := []*callvault.Tombstone{tombstoneOf(rs[0]), tombstoneOf(rs[2])}
		if diff := cmp.Diff(want, got, cmpOpts, cmpopts.IgnoreFields(callvault.Tombstone{}, "DeletedAt")); diff != "" {
			t.Fatalf("Tombstones (-want +got):\n%s", diff)
		}
		for _, ts := range got {
			if ts.DeletedAt.IsZero() {
				t.Errorf("tombstone %s has no DeletedAt", ts.ID)
			}
		}
		page, err := imp.Tombstones(ctx(), "", 1)
		if err != nil || len(page) != 1 || page[0].ID != rs[0].ID {
			t.Fatalf("Tombstones(limit 1) = %v, %v; want %s", page, err, rs[0].ID)
		}
		page, err = imp.Tombstones(ctx(), rs[0].ID, 10)
		if err != nil || len(page) != 1 || page[0].ID != rs[2].ID {
			t.Fatalf("Tombstones(after %s) = %v, %v; want %s", rs[0].ID, page, err, rs[2].ID)
		}
	})

	t.Run("Import", func(t *testing.T) {
		cat, imp := importer(t, open)
		r := newRecording(1)
		ts := tombstoneOf(r)
		ts.DeletedAt = base.AddDate(0, 6, 0)
		if err := imp.ImportTombstone(ctx(), ts); err != nil {
			t.Fatalf("ImportTombstone: %v", err)
		}
		got, err := imp.Tombstones(ctx(), "", 10)
		if err != nil {
			t.Fatalf("Tombstones: %v", err)
		}
		if diff := cmp.Diff([]*callvault.Tombstone{ts}, got, cmpOpts); diff != "" {
			t.Fatalf("imported tombstone (-want +got):\n%s", diff)
		}
		// It is a deleted recording: not found, not listed, not searchable, and its source id
		// stays taken.
		_, err = cat.Recording(ctx(), r.ID)
		wantKind(t, err, callvault.KindNotFound, "Recording(imported tombstone)")
		_, err = cat.RecordingBySource(ctx(), r.Source, r.SourceID)
		wantKind(t, err, callvault.KindNotFound, "RecordingBySource(imported tombstone)")
		if listed, err := cat.ListRecordings(ctx(), "", 10); err != nil || len(listed) != 0 {
			t.Errorf("ListRecordings after a tombstone import = %v, %v; want none", ids(listed), err)
		}
		if found := find(t, cat, callvault.RecordingFilter{Subjects: []callvault.Subject{subj(callvault.SubjectNumber, r.ExternalNumbers[0].E164)}}); len(found) != 0 {
			t.Errorf("subject search finds the imported tombstone: %v", found)
		}
		again := newRecording(2)
		again.Source, again.SourceID = r.Source, r.SourceID
		err = cat.CreateRecording(ctx(), again, newEvent(callvault.ActionRecordingIngest, again.ID))
		wantKind(t, err, callvault.KindConflict, "CreateRecording(source of an imported tombstone)")
		err = imp.ImportRecording(ctx(), again)
		wantKind(t, err, callvault.KindConflict, "ImportRecording(source of an imported tombstone)")
		err = imp.ImportTombstone(ctx(), ts)
		wantKind(t, err, callvault.KindConflict, "ImportTombstone(twice)")
		live := newRecording(3)
		create(t, cat, live)
		clash := tombstoneOf(live)
		clash.DeletedAt = base
		err = imp.ImportTombstone(ctx(), clash)
		wantKind(t, err, callvault.KindConflict, "ImportTombstone(id of a live recording)")
		if _, err := cat.Recording(ctx(), live.ID); err != nil {
			t.Errorf("a refused tombstone import hid the live recording: %v", err)
		}
		bad := tombstoneOf(newRecording(4)) // no DeletedAt
		err = imp.ImportTombstone(ctx(), bad)
		wantKind(t, err, callvault.KindInvalid, "ImportTombstone(no DeletedAt)")
		if evs := allEvents(t, cat); len(evs) != 1 {
			t.Errorf("audit log has %d events, want only the live recording's ingest (imports append nothing)", len(evs))
		}
	})
}

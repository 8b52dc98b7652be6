package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/callvault/callvault"
	"github.com/google/go-cmp/cmp"
)

func importer(t *testing.T, open Opener) (callvault.Catalogue, callvault.CatalogueImporter) {
	t.Helper()
	cat := open(t)
	imp, ok := cat.(callvault.CatalogueImporter)
	if !ok {
		t.Skipf("%T does not implement callvault.CatalogueImporter", cat)
	}
	return cat, imp
}

func testImporter(t *testing.T, open Opener) {
	t.Run("AuditEvents", func(t *testing.T) {
		cat, imp := importer(t, open)
		// A chain sealed elsewhere, then one event whose hash is not ours to judge.
		var evs []*callvault.AuditEvent
		prevSeq, prevHash := int64(0), ""
		for i := 0; i < 3; i++ {
			ev := newEvent(callvault.ActionRecordingOpen, fmt.Sprintf("r%d", i))
			ev.Time = base.Add(time.Duration(i) * time.Second)
			ev.Seal(prevSeq, prevHash)
			prevSeq, prevHash = ev.Seq, ev.Hash
			evs = append(evs, ev)
		}
		odd := newEvent(callvault.ActionAuditExport, "")
		odd.Seal(prevSeq, prevHash)
		odd.Hash = fmt.Sprintf("%064x", 42) // kept as given, not recomputed
		evs = append(evs, odd)
		for _, ev := range evs {
			if err := imp.ImportAuditEvent(ctx(), ev); err != nil {
				t.Fatalf("ImportAuditEvent(%d): %v", ev.Seq, err)
			}
		}
		if diff := cmp.Diff(evs, allEvents(t, cat)); diff != "" {
			t.Fatalf("imported events (-want +got):\n%s", diff)
		}

		for _, seq := range []int64{4, 6, 1} {
			ev := *evs[0]
			ev.Seq = seq
			err := imp.ImportAuditEvent(ctx(), &ev)
			wantKind(t, err, callvault.KindConflict, fmt.Sprintf("ImportAuditEvent(seq %d after head 4)", seq))
		}
		if n := len(allEvents(t, cat)); n != 4 {
			t.Fatalf("audit log has %d events after rejected imports, want 4", n)
		}

		// Appends continue the imported chain.
		next := newEvent(callvault.ActionServerStart, "")
		if err := cat.AppendAudit(ctx(), next); err != nil {
			t.Fatalf("AppendAudit after import: %v", err)
		}
		if next.Seq != 5 || next.PrevHash != odd.Hash {
			t.Errorf("append after import: seq %d prev %s, want seq 5 prev %s", next.Seq, next.PrevHash, odd.Hash)
		}
	})

	t.Run("AuditFirstSeq", func(t *testing.T) {
		_, imp := importer(t, open)
		ev := newEvent(callvault.ActionServerStart, "")
		ev.Seal(1, fmt.Sprintf("%064x", 1)) // seq 2 into an empty log
		err := imp.ImportAuditEvent(ctx(), ev)
		wantKind(t, err, callvault.KindConflict, "ImportAuditEvent(seq 2 into an empty log)")
	})

	t.Run("RecordingWithoutSidecar", func(t *testing.T) {
		cat, imp := importer(t, open)
		r := newRecording(1)
		r.Sidecar = nil
		if err := imp.ImportRecording(ctx(), r); err != nil {
			t.Fatalf("ImportRecording: %v", err)
		}
		got, err := cat.Recording(ctx(), r.ID)
		if err != nil {
			t.Fatalf("Recording: %v", err)
		}
		if got.Sidecar != nil {
			t.Errorf("imported recording without a sidecar reads back with %q", got.Sidecar)
		}
	})

	t.Run("Recording", func(t *testing.T) {
		cat, imp := importer(t, open)
		r := newRecording(1)
		want := *r
		if err := imp.ImportRecording(ctx(), r); err != nil {
			t.Fatalf("ImportRecording: %v", err)
		}
		got, err := cat.Recording(ctx(), r.ID)
		if err != nil {
			t.Fatalf("Recording: %v", err)
		}
		if diff := cmp.Diff(&want, got, cmpOpts); diff != "" {
			t.Errorf("imported recording (-want +got):\n%s", diff)
		}
		if string(got.Header) != string(want.Header) || string(got.Sidecar) != string(want.Sidecar) {
			t.Errorf("imported recording: header %q sidecar %q, want %q and %q", got.Header, got.Sidecar, want.Header, want.Sidecar)
		}
		found := find(t, cat, callvault.RecordingFilter{
			Subjects: []callvault.Subject{subj(callvault.SubjectNumber, r.ExternalNumbers[0].E164)},
		})
		if diff := cmp.Diff([]string{r.ID}, found); diff != "" {
			t.Errorf("imported recording is not indexed (-want +got):\n%s", diff)
		}
		if head, err := cat.AuditHead(ctx()); err != nil || head != nil {
			t.Errorf("ImportRecording appended to the audit log: head %+v, %v", head, err)
		}

		again := *r
		again.Line = "changed"
		err = imp.ImportRecording(ctx(), &again)
		wantKind(t, err, callvault.KindConflict, "ImportRecording(same id)")
		sameSource := newRecording(2)
		sameSource.Source, sameSource.SourceID = r.Source, r.SourceID
		err = imp.ImportRecording(ctx(), sameSource)
		wantKind(t, err, callvault.KindConflict, "ImportRecording(same source, source_id)")
		got, err = cat.Recording(ctx(), r.ID)
		if err != nil {
			t.Fatalf("Recording: %v", err)
		}
		if got.Line != want.Line {
			t.Errorf("a conflicting import changed the recording: Line %q", got.Line)
		}
		_, err = cat.Recording(ctx(), sameSource.ID)
		wantKind(t, err, callvault.KindNotFound, "Recording(rejected import)")
	})
}

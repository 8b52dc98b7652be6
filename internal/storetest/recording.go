package storetest

import (
	"strings"
	"testing"
	"time"

	"github.com/callvault/callvault"
	"github.com/google/go-cmp/cmp"
)

func testRecording(t *testing.T, open Opener) {
	t.Run("RoundTrip", func(t *testing.T) {
		cat := open(t)
		r := newRecording(1)
		want := *r
		ev := newEvent(callvault.ActionRecordingIngest, r.ID)
		if err := cat.CreateRecording(ctx(), r, ev); err != nil {
			t.Fatalf("CreateRecording: %v", err)
		}
		if ev.Seq != 1 || ev.Hash == "" || ev.PrevHash != callvault.GenesisHash {
			t.Errorf("CreateRecording did not seal its event: seq %d prev %q hash %q", ev.Seq, ev.PrevHash, ev.Hash)
		}
		got, err := cat.Recording(ctx(), r.ID)
		if err != nil {
			t.Fatalf("Recording: %v", err)
		}
		if diff := cmp.Diff(&want, got, cmpOpts); diff != "" {
			t.Errorf("Recording round trip (-want +got):\n%s", diff)
		}
		if string(got.Header) != string(want.Header) {
			t.Errorf("Header = %q, want %q", got.Header, want.Header)
		}
		if string(got.Sidecar) != string(want.Sidecar) {
			t.Errorf("Sidecar = %q, want %q", got.Sidecar, want.Sidecar)
		}
		got, err = cat.RecordingBySource(ctx(), r.Source, r.SourceID)
		if err != nil {
			t.Fatalf("RecordingBySource: %v", err)
		}
		if diff := cmp.Diff(&want, got, cmpOpts); diff != "" {
			t.Errorf("RecordingBySource round trip (-want +got):\n%s", diff)
		}
		evs := allEvents(t, cat)
		if len(evs) != 1 || evs[0].Action != callvault.ActionRecordingIngest || evs[0].Object != r.ID {
			t.Fatalf("audit log after CreateRecording = %+v, want one ingest event for %s", evs, r.ID)
		}
		if diff := cmp.Diff(ev, evs[0]); diff != "" {
			t.Errorf("stored event differs from the sealed one (-want +got):\n%s", diff)
		}
	})

	t.Run("Minimal", func(t *testing.T) {
		// Optional fields left empty must round trip as empty, not as zero-ish placeholders.
		cat := open(t)
		r := &callvault.Recording{
			ID:                 callvault.NewID(),
			StartedAt:          base,
			Source:             callvault.SourceUpload,
			SourceID:           "upload-1",
			AnnouncementPlayed: callvault.AnnouncementUnknown,
			Codec:              callvault.CodecMuLaw,
			SampleRate:         8000,
			Channels:           1,
			BlobKey:            "recordings/x.age",
			Header:             []byte{0},
			RetainUntil:        base.AddDate(1, 0, 0),
			CreatedAt:          base,
		}
		want := *r
		create(t, cat, r)
		got, err := cat.Recording(ctx(), r.ID)
		if err != nil {
			t.Fatalf("Recording: %v", err)
		}
		if diff := cmp.Diff(&want, got, cmpOpts); diff != "" {
			t.Errorf("round trip (-want +got):\n%s", diff)
		}
		if !got.EndedAt.IsZero() {
			t.Errorf("EndedAt = %v, want zero", got.EndedAt)
		}
	})

	t.Run("Sidecar", func(t *testing.T) {
		// The sealed sidecar is kept byte for byte, by every read, and a recording without one
		// reads back without one (nil, not an empty document).
		cat := open(t)
		with := newRecording(1)
		with.Sidecar = []byte{0, 1, 2, 0xfe, 0xff, 0}
		without := newRecording(2)
		without.Sidecar = nil
		create(t, cat, with)
		create(t, cat, without)
		for _, want := range []*callvault.Recording{with, without} {
			got, err := cat.Recording(ctx(), want.ID)
			if err != nil {
				t.Fatalf("Recording: %v", err)
			}
			bySource, err := cat.RecordingBySource(ctx(), want.Source, want.SourceID)
			if err != nil {
				t.Fatalf("RecordingBySource: %v", err)
			}
			listed, err := cat.ListRecordings(ctx(), "", 10)
			if err != nil {
				t.Fatalf("ListRecordings: %v", err)
			}
			found, err := cat.FindRecordings(ctx(), callvault.RecordingFilter{
				Subjects: []callvault.Subject{subj(callvault.SubjectExtension, want.Extensions[0])},
			})
			if err != nil || len(found) != 1 {
				t.Fatalf("FindRecordings = %v, %v; want the recording", ids(found), err)
			}
			reads := map[string]*callvault.Recording{"Recording": got, "RecordingBySource": bySource, "FindRecordings": found[0]}
			for _, r := range listed {
				if r.ID == want.ID {
					reads["ListRecordings"] = r
				}
			}
			if len(reads) != 4 {
				t.Fatalf("ListRecordings did not return %s", want.ID)
			}
			for read, r := range reads {
				switch {
				case want.Sidecar == nil && r.Sidecar != nil:
					t.Errorf("%s: Sidecar = %q, want nil", read, r.Sidecar)
				case string(r.Sidecar) != string(want.Sidecar):
					t.Errorf("%s: Sidecar = %q, want %q", read, r.Sidecar, want.Sidecar)
				}
			}
		}
	})

	t.Run("RetainUntilRequired", func(t *testing.T) {
		// A recording that never expires would break the retention policy: both ways in
		// refuse it, and nothing is written.
		cat := open(t)
		r := newRecording(1)
		r.RetainUntil = time.Time{}
		err := cat.CreateRecording(ctx(), r, newEvent(callvault.ActionRecordingIngest, r.ID))
		wantKind(t, err, callvault.KindInvalid, "CreateRecording(zero RetainUntil)")
		if !strings.Contains(callvault.ErrorMessage(err), "retain_until is required") {
			t.Errorf("CreateRecording(zero RetainUntil) message %q does not say retain_until is required", callvault.ErrorMessage(err))
		}
		assertNotWritten(t, cat, r, 0)
		if imp, ok := cat.(callvault.CatalogueImporter); ok {
			err := imp.ImportRecording(ctx(), r)
			wantKind(t, err, callvault.KindInvalid, "ImportRecording(zero RetainUntil)")
			assertNotWritten(t, cat, r, 0)
		}
		// The same recording with a retention date is accepted.
		r.RetainUntil = base.AddDate(6, 0, 0)
		create(t, cat, r)
	})

	t.Run("NotFound", func(t *testing.T) {
		cat := open(t)
		create(t, cat, newRecording(1))
		_, err := cat.Recording(ctx(), callvault.NewID())
		wantKind(t, err, callvault.KindNotFound, "Recording(unknown id)")
		_, err = cat.RecordingBySource(ctx(), callvault.SourceSIPREC, "no-such-session")
		wantKind(t, err, callvault.KindNotFound, "RecordingBySource(unknown)")
		r := newRecording(2)
		create(t, cat, r)
		_, err = cat.RecordingBySource(ctx(), callvault.SourceUpload, r.SourceID)
		wantKind(t, err, callvault.KindNotFound, "RecordingBySource(other source, same source id)")
	})

	t.Run("DuplicateSource", func(t *testing.T) {
		cat := open(t)
		r := newRecording(1)
		create(t, cat, r)
		dup := newRecording(2)
		dup.Source, dup.SourceID = r.Source, r.SourceID
		ev := newEvent(callvault.ActionRecordingIngest, dup.ID)
		err := cat.CreateRecording(ctx(), dup, ev)
		wantKind(t, err, callvault.KindConflict, "CreateRecording(duplicate source, source_id)")
		assertNotWritten(t, cat, dup, 1)
		// The same source ID under another source is a different recording.
		other := newRecording(3)
		other.Source, other.SourceID = callvault.SourceUpload, r.SourceID
		create(t, cat, other)
	})

	t.Run("DuplicateID", func(t *testing.T) {
		cat := open(t)
		r := newRecording(1)
		create(t, cat, r)
		dup := newRecording(2)
		dup.ID = r.ID
		err := cat.CreateRecording(ctx(), dup, newEvent(callvault.ActionRecordingIngest, dup.ID))
		wantKind(t, err, callvault.KindConflict, "CreateRecording(duplicate id)")
		got, err := cat.Recording(ctx(), r.ID)
		if err != nil {
			t.Fatalf("Recording: %v", err)
		}
		if got.SourceID != r.SourceID {
			t.Errorf("duplicate ID overwrote the recording: SourceID %q, want %q", got.SourceID, r.SourceID)
		}
		if n := len(allEvents(t, cat)); n != 1 {
			t.Errorf("audit log has %d events after a conflicting create, want 1", n)
		}
		// Its subjects must not have been indexed either.
		found, err := cat.FindRecordings(ctx(), callvault.RecordingFilter{
			Subjects: []callvault.Subject{{Kind: callvault.SubjectExtension, Value: dup.Extensions[0]}},
		})
		if err != nil {
			t.Fatalf("FindRecordings: %v", err)
		}
		if len(found) != 0 {
			t.Errorf("subject of the rejected recording is indexed: found %v", ids(found))
		}
	})
}

// assertNotWritten checks that a rejected dup left no trace: no row, no subject rows, and the
// audit log still has wantEvents events.
func assertNotWritten(t *testing.T, cat callvault.Catalogue, dup *callvault.Recording, wantEvents int) {
	t.Helper()
	_, err := cat.Recording(ctx(), dup.ID)
	wantKind(t, err, callvault.KindNotFound, "Recording(rejected duplicate)")
	found, err := cat.FindRecordings(ctx(), callvault.RecordingFilter{
		Subjects: []callvault.Subject{{Kind: callvault.SubjectExtension, Value: dup.Extensions[0]}},
	})
	if err != nil {
		t.Fatalf("FindRecordings: %v", err)
	}
	if len(found) != 0 {
		t.Errorf("subject of the rejected recording is indexed: found %v", ids(found))
	}
	if n := len(allEvents(t, cat)); n != wantEvents {
		t.Errorf("audit log has %d events after a conflicting create, want %d", n, wantEvents)
	}
}

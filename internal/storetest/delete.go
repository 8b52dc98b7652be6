package storetest

import (
	"strings"
	"sync"
	"testing"

	"github.com/callvault/callvault"
)

func testDelete(t *testing.T, open Opener) {
	t.Run("Once", func(t *testing.T) {
		cat := open(t)
		r := newRecording(1)
		create(t, cat, r)
		_, err := cat.TombstoneBySource(ctx(), r.Source, r.SourceID)
		wantKind(t, err, callvault.KindNotFound, "TombstoneBySource(live)")
		ev := newEvent(callvault.ActionRecordingDelete, r.ID)
		if err := cat.DeleteRecording(ctx(), r.ID, ev); err != nil {
			t.Fatalf("DeleteRecording: %v", err)
		}
		if ev.Seq != 2 || ev.Hash == "" {
			t.Errorf("DeleteRecording did not seal its event: seq %d hash %q", ev.Seq, ev.Hash)
		}
		_, err = cat.Recording(ctx(), r.ID)
		wantKind(t, err, callvault.KindNotFound, "Recording(deleted)")
		_, err = cat.RecordingBySource(ctx(), r.Source, r.SourceID)
		wantKind(t, err, callvault.KindNotFound, "RecordingBySource(deleted)")
		ts, err := cat.TombstoneBySource(ctx(), r.Source, r.SourceID)
		if err != nil || ts.ID != r.ID || ts.SourceID != r.SourceID || ts.PlainSHA256 != r.PlainSHA256 || ts.DeletedAt.IsZero() {
			t.Errorf("TombstoneBySource(deleted) = %+v, %v; want the tombstone of %s", ts, err, r.ID)
		}
		_, err = cat.TombstoneBySource(ctx(), r.Source, r.SourceID+"-other")
		wantKind(t, err, callvault.KindNotFound, "TombstoneBySource(unknown)")
		err = cat.DeleteRecording(ctx(), r.ID, newEvent(callvault.ActionRecordingDelete, r.ID))
		wantKind(t, err, callvault.KindNotFound, "DeleteRecording(twice)")
		err = cat.DeleteRecording(ctx(), callvault.NewID(), newEvent(callvault.ActionRecordingDelete, "x"))
		wantKind(t, err, callvault.KindNotFound, "DeleteRecording(unknown)")
		evs := allEvents(t, cat)
		if len(evs) != 2 || evs[1].Action != callvault.ActionRecordingDelete {
			t.Fatalf("audit log after delete = %+v, want ingest then one delete", evs)
		}
		// The tombstone keeps (source, source_id) taken: a retried capture of a deleted
		// recording must not bring it back.
		again := newRecording(2)
		again.Source, again.SourceID = r.Source, r.SourceID
		err = cat.CreateRecording(ctx(), again, newEvent(callvault.ActionRecordingIngest, again.ID))
		wantKind(t, err, callvault.KindConflict, "CreateRecording(source of a deleted recording)")
	})

	t.Run("Shreds", func(t *testing.T) {
		// Deleting destroys the Header and the Sidecar (crypto-shredding), keeps nothing of
		// them for later reads, and leaves the recording's neighbours untouched.
		cat := open(t)
		r, other := newRecording(1), newRecording(2)
		create(t, cat, r)
		create(t, cat, other)
		if err := cat.DeleteRecording(ctx(), r.ID, newEvent(callvault.ActionRecordingDelete, r.ID)); err != nil {
			t.Fatalf("DeleteRecording: %v", err)
		}
		if tr, ok := cat.(TombstoneReader); ok {
			header, sidecar, details, err := tr.Tombstone(ctx(), r.ID)
			if err != nil {
				t.Fatalf("Tombstone: %v", err)
			}
			if header != nil || sidecar != nil {
				t.Errorf("the deleted recording's row keeps header %q and sidecar %q, want both destroyed", header, sidecar)
			}
			// Retention deletes the call's personal data, not only its audio.
			personal := []string{r.Line}
			personal = append(personal, r.Extensions...)
			for _, n := range r.ExternalNumbers {
				personal = append(personal, n.E164, n.Raw)
			}
			for _, p := range r.Parties {
				personal = append(personal, p.Name, p.Number.E164, p.Number.Raw, p.URI)
			}
			for _, v := range r.Attributes {
				personal = append(personal, v)
			}
			for _, s := range personal {
				if s != "" && strings.Contains(details, s) {
					t.Errorf("the deleted recording's row keeps %q (stored details %q)", s, details)
				}
			}
		} else {
			t.Logf("%T does not implement storetest.TombstoneReader; the stored bytes are not checked", cat)
		}
		_, err := cat.Recording(ctx(), r.ID)
		wantKind(t, err, callvault.KindNotFound, "Recording(deleted)")
		listed, err := cat.ListRecordings(ctx(), "", 10)
		if err != nil {
			t.Fatalf("ListRecordings: %v", err)
		}
		if len(listed) != 1 || listed[0].ID != other.ID {
			t.Fatalf("ListRecordings after a delete = %v, want only %s", ids(listed), other.ID)
		}
		if string(listed[0].Header) != string(other.Header) || string(listed[0].Sidecar) != string(other.Sidecar) {
			t.Errorf("deleting %s changed %s: header %q sidecar %q", r.ID, other.ID, listed[0].Header, listed[0].Sidecar)
		}
	})

	t.Run("Concurrent", func(t *testing.T) {
		cat := open(t)
		r := newRecording(1)
		create(t, cat, r)
		const n = 8
		var (
			wg    sync.WaitGroup
			start = make(chan struct{})
			errs  = make([]error, n)
		)
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				errs[i] = cat.DeleteRecording(ctx(), r.ID, newEvent(callvault.ActionRecordingDelete, r.ID))
			}()
		}
		close(start)
		wg.Wait()
		ok := 0
		for i, err := range errs {
			switch {
			case err == nil:
				ok++
			case !callvault.IsKind(err, callvault.KindNotFound):
				t.Errorf("DeleteRecording #%d: %v (kind %q), want nil or not_found", i, err, callvault.ErrorKind(err))
			}
		}
		if ok != 1 {
			t.Errorf("%d concurrent deletes succeeded, want exactly 1", ok)
		}
		deletes := 0
		for _, ev := range allEvents(t, cat) {
			if ev.Action == callvault.ActionRecordingDelete {
				deletes++
			}
		}
		if deletes != 1 {
			t.Errorf("audit log has %d delete events, want exactly 1", deletes)
		}
	})
}

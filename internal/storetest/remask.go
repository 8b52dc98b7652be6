package storetest

import (
	"bytes"
	"maps"
	"strings"
	"testing"

	"github.com/callvault/callvault"
)

// testReplaceAudio checks callvault.RecordingAudioReplacer: the audio fields change with the
// event, every other field stays, and a stale or missing row writes nothing.
func testReplaceAudio(t *testing.T, open Opener) {
	cat := open(t)
	rep, ok := cat.(callvault.RecordingAudioReplacer)
	if !ok {
		t.Skipf("%T does not implement callvault.RecordingAudioReplacer", cat)
	}
	r := newRecording(1)
	r.Sidecar = []byte("old sidecar")
	create(t, cat, r)
	before, err := cat.Recording(ctx(), r.ID)
	if err != nil {
		t.Fatal(err)
	}
	next := *before
	next.BlobKey = "recordings/2026/03/" + r.ID + ".v2.age"
	next.Header = []byte("new header")
	next.KeyEpoch = "e2"
	next.Sidecar = []byte("new sidecar")
	next.PlainSHA256 = strings.Repeat("ab", 32)
	next.StoredSHA256 = strings.Repeat("cd", 32)
	next.PlainSize, next.StoredSize = before.PlainSize+1, before.StoredSize+2
	next.Attributes = maps.Clone(before.Attributes)
	if next.Attributes == nil {
		next.Attributes = map[string]string{}
	}
	next.Attributes[callvault.AttrDTMFMasked] = "3"
	next.Line = "changed line must not be written"

	ev := newEvent(callvault.ActionRecordingRemask, "recording:"+r.ID)
	if err := rep.ReplaceRecordingAudio(ctx(), &next, before.StoredSHA256, ev); err != nil {
		t.Fatalf("ReplaceRecordingAudio: %v", err)
	}
	if ev.Seq != 2 || ev.Hash == "" {
		t.Errorf("the event was not sealed: seq %d hash %q", ev.Seq, ev.Hash)
	}
	got, err := cat.Recording(ctx(), r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.BlobKey != next.BlobKey || got.KeyEpoch != "e2" || !bytes.Equal(got.Header, next.Header) || !bytes.Equal(got.Sidecar, next.Sidecar) ||
		got.PlainSHA256 != next.PlainSHA256 || got.StoredSHA256 != next.StoredSHA256 || got.PlainSize != next.PlainSize ||
		got.StoredSize != next.StoredSize || got.Attributes[callvault.AttrDTMFMasked] != "3" {
		t.Errorf("after replacing: %+v, want the new audio fields of %+v", got, next)
	}
	if got.Line != before.Line || !got.StartedAt.Equal(before.StartedAt) || got.SourceID != before.SourceID || got.Duration != before.Duration {
		t.Errorf("fields other than the audio changed: %+v, was %+v", got, before)
	}

	// Stale: the stored hash is no longer the one given.
	stale := next
	stale.BlobKey = "recordings/stale.age"
	err = rep.ReplaceRecordingAudio(ctx(), &stale, before.StoredSHA256, newEvent(callvault.ActionRecordingRemask, "recording:"+r.ID))
	wantKind(t, err, callvault.KindConflict, "ReplaceRecordingAudio(stale)")
	missing := next
	missing.ID = callvault.NewID()
	err = rep.ReplaceRecordingAudio(ctx(), &missing, next.StoredSHA256, newEvent(callvault.ActionRecordingRemask, "x"))
	wantKind(t, err, callvault.KindNotFound, "ReplaceRecordingAudio(unknown)")
	bad := next
	bad.Header = nil
	err = rep.ReplaceRecordingAudio(ctx(), &bad, next.StoredSHA256, newEvent(callvault.ActionRecordingRemask, "x"))
	wantKind(t, err, callvault.KindInvalid, "ReplaceRecordingAudio(no header)")
	if got, _ := cat.Recording(ctx(), r.ID); got.BlobKey != next.BlobKey {
		t.Errorf("a refused replace changed the row: blob key %q", got.BlobKey)
	}
	if evs := allEvents(t, cat); len(evs) != 2 {
		t.Errorf("%d events after refused replaces, want 2", len(evs))
	}
	if err := cat.DeleteRecording(ctx(), r.ID, newEvent(callvault.ActionRecordingDelete, "recording:"+r.ID)); err != nil {
		t.Fatal(err)
	}
	err = rep.ReplaceRecordingAudio(ctx(), &next, next.StoredSHA256, newEvent(callvault.ActionRecordingRemask, "x"))
	wantKind(t, err, callvault.KindNotFound, "ReplaceRecordingAudio(deleted)")
}

package storetest

import (
	"testing"

	"github.com/callvault/callvault"
	"github.com/google/go-cmp/cmp"
)

// testCompact checks the optional callvault.Compactor capability: compacting after a deletion
// keeps every live row as it was, keeps the deletion, and may run again with nothing to do.
func testCompact(t *testing.T, open Opener) {
	cat := open(t)
	c, ok := cat.(callvault.Compactor)
	if !ok {
		t.Skipf("%T does not implement callvault.Compactor", cat)
	}
	if err := c.Compact(ctx()); err != nil {
		t.Fatalf("Compact of an empty catalogue: %v", err)
	}
	gone, kept := newRecording(1), newRecording(2)
	create(t, cat, gone)
	create(t, cat, kept)
	want, err := cat.Recording(ctx(), kept.ID)
	if err != nil {
		t.Fatalf("Recording: %v", err)
	}
	if err := cat.DeleteRecording(ctx(), gone.ID, newEvent(callvault.ActionRecordingDelete, gone.ID)); err != nil {
		t.Fatalf("DeleteRecording: %v", err)
	}
	for i := range 2 {
		if err := c.Compact(ctx()); err != nil {
			t.Fatalf("Compact #%d: %v", i+1, err)
		}
	}
	got, err := cat.Recording(ctx(), kept.ID)
	if err != nil {
		t.Fatalf("Recording after Compact: %v", err)
	}
	if diff := cmp.Diff(want, got, cmpOpts); diff != "" {
		t.Errorf("Compact changed a live recording (-before +after):\n%s", diff)
	}
	_, err = cat.Recording(ctx(), gone.ID)
	wantKind(t, err, callvault.KindNotFound, "Recording(deleted, after Compact)")
	if tr, ok := cat.(TombstoneReader); ok {
		header, sidecar, _, err := tr.Tombstone(ctx(), gone.ID)
		if err != nil || header != nil || sidecar != nil {
			t.Errorf("tombstone after Compact: header %q sidecar %q (%v), want both destroyed", header, sidecar, err)
		}
	}
	if n := len(allEvents(t, cat)); n != 3 {
		t.Errorf("audit log has %d events after Compact, want 3 (Compact is not a change)", n)
	}
}

package storetest

import (
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/callvault/callvault"
)

func batchDeleter(t *testing.T, open Opener) (callvault.Catalogue, callvault.RecordingBatchDeleter) {
	t.Helper()
	cat := open(t)
	bd, ok := cat.(callvault.RecordingBatchDeleter)
	if !ok {
		t.Fatalf("%T does not implement callvault.RecordingBatchDeleter; every catalogue backend must", cat)
	}
	return cat, bd
}

// deletions returns a batch deleting each of ids with its own receipt.
func deletions(ids ...string) []*callvault.RecordingDeletion {
	out := make([]*callvault.RecordingDeletion, len(ids))
	for i, id := range ids {
		out[i] = &callvault.RecordingDeletion{ID: id, Event: newEvent(callvault.ActionRecordingDelete, "recording:"+id)}
	}
	return out
}

func testDeleteBatch(t *testing.T, open Opener) {
	t.Run("Outcomes", func(t *testing.T) {
		cat, bd := batchDeleter(t, open)
		rs := make([]*callvault.Recording, 6)
		for i := range rs {
			rs[i] = newRecording(i)
			create(t, cat, rs[i])
		}
		h := newHold(rs[2].ID)
		placeHold(t, cat.(callvault.HoldStore), h)
		if err := cat.DeleteRecording(ctx(), rs[4].ID, newEvent(callvault.ActionRecordingDelete, rs[4].ID)); err != nil {
			t.Fatal(err)
		}
		before := allEvents(t, cat)
		batch := deletions(rs[0].ID, rs[1].ID, rs[2].ID, rs[4].ID, callvault.NewID(), rs[3].ID)
		if err := bd.DeleteRecordings(ctx(), batch); err != nil {
			t.Fatalf("DeleteRecordings: %v", err)
		}
		want := []callvault.DeletionOutcome{callvault.DeletionDone, callvault.DeletionDone, callvault.DeletionHeld,
			callvault.DeletionGone, callvault.DeletionGone, callvault.DeletionDone}
		for i, d := range batch {
			if d.Outcome != want[i] {
				t.Errorf("deletion %d (%s): outcome %d, want %d", i, d.ID, d.Outcome, want[i])
			}
		}
		if batch[2].HoldID != h.ID {
			t.Errorf("held deletion names hold %q, want %q", batch[2].HoldID, h.ID)
		}
		// The receipts of the deleted ones, and only theirs, are appended in batch order,
		// each sealed onto the one before.
		evs := allEvents(t, cat)
		added := evs[len(before):]
		wantObjects := []string{"recording:" + rs[0].ID, "recording:" + rs[1].ID, "recording:" + rs[3].ID}
		var gotObjects []string
		for _, ev := range added {
			gotObjects = append(gotObjects, ev.Object)
		}
		if !slices.Equal(gotObjects, wantObjects) {
			t.Fatalf("events appended %v, want %v", gotObjects, wantObjects)
		}
		prev := before[len(before)-1]
		for i, ev := range added {
			if ev.Seq != prev.Seq+1 || ev.PrevHash != prev.Hash || ev.Hash != ev.ComputeHash() {
				t.Fatalf("receipt %d breaks the chain: seq %d prev %q after seq %d hash %q", i, ev.Seq, ev.PrevHash, prev.Seq, prev.Hash)
			}
			prev = ev
		}
		for i, d := range []*callvault.RecordingDeletion{batch[0], batch[1], batch[5]} {
			if d.Event.Seq != added[i].Seq || d.Event.Hash != added[i].Hash {
				t.Errorf("%s: event sealed as seq %d, stored as %d", d.ID, d.Event.Seq, added[i].Seq)
			}
		}
		for _, d := range []*callvault.RecordingDeletion{batch[2], batch[3], batch[4]} {
			if d.Event.Seq != 0 || d.Event.Hash != "" {
				t.Errorf("%s (not deleted): its event was sealed (seq %d)", d.ID, d.Event.Seq)
			}
		}
		for _, r := range []*callvault.Recording{rs[0], rs[1], rs[3]} {
			checkShredded(t, cat, r)
		}
		for _, r := range []*callvault.Recording{rs[2], rs[5]} {
			got, err := cat.Recording(ctx(), r.ID)
			if err != nil || string(got.Header) != string(r.Header) {
				t.Errorf("recording %s, which the batch had to keep: %v", r.ID, err)
			}
		}
		if err := bd.DeleteRecordings(ctx(), nil); err != nil {
			t.Errorf("DeleteRecordings(empty batch): %v", err)
		}
		if n := len(allEvents(t, cat)); n != len(evs) {
			t.Errorf("an empty batch appended %d events", n-len(evs))
		}
	})

	t.Run("Invalid", func(t *testing.T) {
		cat, bd := batchDeleter(t, open)
		r := newRecording(1)
		create(t, cat, r)
		noEvent := deletions(r.ID)
		noEvent = append(noEvent, &callvault.RecordingDeletion{ID: callvault.NewID()})
		twice := deletions(r.ID, r.ID)
		noID := deletions(r.ID, "")
		for name, batch := range map[string][]*callvault.RecordingDeletion{"no event": noEvent, "twice": twice, "no id": noID} {
			err := bd.DeleteRecordings(ctx(), batch)
			wantKind(t, err, callvault.KindInvalid, "DeleteRecordings("+name+")")
			if batch[0].Outcome != callvault.DeletionPending || batch[0].Event.Seq != 0 {
				t.Errorf("%s: a refused batch set outcome %d, seq %d", name, batch[0].Outcome, batch[0].Event.Seq)
			}
		}
		if _, err := cat.Recording(ctx(), r.ID); err != nil {
			t.Fatalf("a refused batch deleted the recording: %v", err)
		}
		if n := len(allEvents(t, cat)); n != 1 {
			t.Errorf("refused batches appended %d events", n-1)
		}
	})

	t.Run("Concurrent", func(t *testing.T) {
		// Four callers delete the same recordings in different orders, and a fifth one at a
		// time: each recording is deleted exactly once, with one receipt, and none deadlocks.
		cat, bd := batchDeleter(t, open)
		const n = 40
		var all []string
		for i := range n {
			r := newRecording(i)
			create(t, cat, r)
			all = append(all, r.ID)
		}
		var (
			wg    sync.WaitGroup
			mu    sync.Mutex
			done  = map[string]int{}
			start = make(chan struct{})
		)
		for c := range 4 {
			order := slices.Clone(all)
			if c%2 == 1 {
				slices.Reverse(order)
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				for chunk := range slices.Chunk(order, 7+c) {
					batch := deletions(chunk...)
					if err := bd.DeleteRecordings(ctx(), batch); err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					for _, d := range batch {
						if d.Outcome == callvault.DeletionDone {
							done[d.ID]++
						} else if d.Outcome != callvault.DeletionGone {
							t.Errorf("%s: outcome %d, want done or gone", d.ID, d.Outcome)
						}
					}
					mu.Unlock()
				}
			}()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for _, id := range all {
				err := cat.DeleteRecording(ctx(), id, newEvent(callvault.ActionRecordingDelete, "recording:"+id))
				if err != nil && !callvault.IsKind(err, callvault.KindNotFound) {
					t.Error(err)
					return
				}
				if err == nil {
					mu.Lock()
					done[id]++
					mu.Unlock()
				}
			}
		}()
		close(start)
		wg.Wait()
		for _, id := range all {
			if done[id] != 1 {
				t.Errorf("recording %s deleted %d times", id, done[id])
			}
		}
		receipts := 0
		for _, ev := range allEvents(t, cat) {
			if ev.Action == callvault.ActionRecordingDelete {
				receipts++
			}
		}
		if receipts != n {
			t.Errorf("%d receipts, want %d", receipts, n)
		}
	})

	t.Run("HoldRace", func(t *testing.T) {
		// A hold placed while a batch deletes its recording: either the hold is placed and the
		// recording kept, or the recording is deleted and the hold refused, never both.
		cat, bd := batchDeleter(t, open)
		hs := cat.(callvault.HoldStore)
		for i := range 20 {
			r := newRecording(i)
			create(t, cat, r)
			var (
				wg      sync.WaitGroup
				holdErr error
				batch   = deletions(r.ID)
				batchE  error
			)
			wg.Add(2)
			go func() {
				defer wg.Done()
				holdErr = hs.PlaceHold(ctx(), newHold(r.ID), newEvent(callvault.ActionHoldPlace, "recording:"+r.ID))
			}()
			go func() { defer wg.Done(); batchE = bd.DeleteRecordings(ctx(), batch) }()
			wg.Wait()
			if batchE != nil {
				t.Fatal(batchE)
			}
			switch {
			case holdErr == nil && batch[0].Outcome == callvault.DeletionHeld:
				if _, err := cat.Recording(ctx(), r.ID); err != nil {
					t.Fatalf("held recording gone: %v", err)
				}
			case callvault.IsKind(holdErr, callvault.KindNotFound) && batch[0].Outcome == callvault.DeletionDone:
			default:
				t.Fatalf("hold %v and batch outcome %d: want the hold placed and the recording kept, or deleted and the hold refused", holdErr, batch[0].Outcome)
			}
		}
	})
}

// checkShredded fails the test unless r is deleted as DeleteRecording deletes: not found, not
// findable by its subjects, and (when the store lets the suite read it) its row keeps no
// header, sidecar or personal detail.
func checkShredded(t *testing.T, cat callvault.Catalogue, r *callvault.Recording) {
	t.Helper()
	_, err := cat.Recording(ctx(), r.ID)
	wantKind(t, err, callvault.KindNotFound, "Recording(deleted in a batch)")
	if found := find(t, cat, callvault.RecordingFilter{Subjects: []callvault.Subject{subj(callvault.SubjectNumber, r.ExternalNumbers[0].E164)}}); len(found) != 0 {
		t.Errorf("subject search finds %s after its deletion: %v", r.ID, found)
	}
	tr, ok := cat.(TombstoneReader)
	if !ok {
		return
	}
	header, sidecar, details, err := tr.Tombstone(ctx(), r.ID)
	if err != nil {
		t.Fatalf("Tombstone: %v", err)
	}
	if header != nil || sidecar != nil {
		t.Errorf("%s keeps header %q and sidecar %q after a batch delete", r.ID, header, sidecar)
	}
	personal := append([]string{r.Line}, r.Extensions...)
	for _, p := range r.Parties {
		personal = append(personal, p.Name, p.Number.E164, p.Number.Raw, p.URI)
	}
	for _, v := range r.Attributes {
		personal = append(personal, v)
	}
	for _, s := range personal {
		if s != "" && strings.Contains(details, s) {
			t.Errorf("%s keeps %q after a batch delete (stored details %q)", r.ID, s, details)
		}
	}
}

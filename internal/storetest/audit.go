package storetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/callvault/callvault"
	"github.com/google/go-cmp/cmp"
)

func testAudit(t *testing.T, open Opener) {
	t.Run("EmptyHead", func(t *testing.T) {
		cat := open(t)
		head, err := cat.AuditHead(ctx())
		if err != nil || head != nil {
			t.Fatalf("AuditHead on an empty log = %+v, %v; want nil, nil", head, err)
		}
		evs, err := cat.AuditEvents(ctx(), 0, 10)
		if err != nil || len(evs) != 0 {
			t.Fatalf("AuditEvents on an empty log = %v, %v; want none", evs, err)
		}
	})

	t.Run("Append", func(t *testing.T) {
		cat := open(t)
		var sealed []*callvault.AuditEvent
		for i := 0; i < 5; i++ {
			ev := newEvent(callvault.ActionConfigChange, fmt.Sprintf("obj-%d", i))
			ev.Time = base.Add(time.Duration(i) * time.Second) // non-UTC, nanoseconds
			if i == 2 {
				// Empty optional fields and awkward text must survive exactly.
				ev.Object, ev.Purpose, ev.RequestID, ev.Detail = "", "", "", ""
				ev.Actor = "user:Zo\u00eb O'Brien \"\\\t"
			}
			if err := cat.AppendAudit(ctx(), ev); err != nil {
				t.Fatalf("AppendAudit #%d: %v", i, err)
			}
			prev := callvault.GenesisHash
			if i > 0 {
				prev = sealed[i-1].Hash
			}
			if ev.Seq != int64(i+1) || ev.PrevHash != prev || ev.Hash != ev.ComputeHash() {
				t.Fatalf("AppendAudit #%d sealed seq %d prev %s hash %s; want seq %d prev %s and a recomputable hash",
					i, ev.Seq, ev.PrevHash, ev.Hash, i+1, prev)
			}
			if ev.Time.Location() != time.UTC || ev.Time.Nanosecond()%1000 != 0 {
				t.Errorf("sealed Time %v is not UTC microseconds", ev.Time)
			}
			sealed = append(sealed, ev)
		}
		got := allEvents(t, cat)
		if diff := cmp.Diff(sealed, got); diff != "" {
			t.Fatalf("AuditEvents differ from the appended events (-want +got):\n%s", diff)
		}
		for _, ev := range got {
			if h := ev.ComputeHash(); h != ev.Hash {
				t.Errorf("event %d read back hashes to %s, stored hash %s: a field lost precision or encoding", ev.Seq, h, ev.Hash)
			}
		}
		page, err := cat.AuditEvents(ctx(), 2, 2)
		if err != nil {
			t.Fatalf("AuditEvents(2, 2): %v", err)
		}
		if diff := cmp.Diff(sealed[2:4], page); diff != "" {
			t.Errorf("AuditEvents(2, 2) (-want +got):\n%s", diff)
		}
		head, err := cat.AuditHead(ctx())
		if err != nil {
			t.Fatalf("AuditHead: %v", err)
		}
		if diff := cmp.Diff(sealed[4], head); diff != "" {
			t.Errorf("AuditHead (-want +got):\n%s", diff)
		}
	})

	t.Run("ConcurrentChain", func(t *testing.T) {
		cat := open(t)
		const workers, each = 8, 25
		var (
			wg    sync.WaitGroup
			start = make(chan struct{})
			errs  = make(chan error, workers*each)
		)
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				for i := 0; i < each; i++ {
					var err error
					if w%2 == 0 {
						err = cat.AppendAudit(ctx(), newEvent(callvault.ActionRecordingOpen, fmt.Sprintf("w%d-%d", w, i)))
					} else {
						r := newRecording(w*1000 + i)
						err = cat.CreateRecording(ctx(), r, newEvent(callvault.ActionRecordingIngest, r.ID))
					}
					if err != nil {
						errs <- fmt.Errorf("worker %d call %d: %w", w, i, err)
					}
				}
			}()
		}
		close(start)
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		evs := allEvents(t, cat)
		if len(evs) != workers*each {
			t.Fatalf("audit log has %d events, want %d", len(evs), workers*each)
		}
		checkChain(t, evs)
	})
}

// checkChain fails the test unless evs is one unbroken chain from seq 1.
func checkChain(t *testing.T, evs []*callvault.AuditEvent) {
	t.Helper()
	prev := callvault.GenesisHash
	for i, ev := range evs {
		if ev.Seq != int64(i+1) {
			t.Fatalf("event #%d has seq %d, want %d (gap or reordering)", i, ev.Seq, i+1)
		}
		if ev.PrevHash != prev {
			t.Fatalf("event %d has PrevHash %s, want %s (the chain forked)", ev.Seq, ev.PrevHash, prev)
		}
		if h := ev.ComputeHash(); h != ev.Hash {
			t.Fatalf("event %d hash %s does not recompute (%s)", ev.Seq, ev.Hash, h)
		}
		prev = ev.Hash
	}
}

func testCheckpoint(t *testing.T, open Opener) {
	cat := open(t)
	cps, err := cat.Checkpoints(ctx())
	if err != nil || len(cps) != 0 {
		t.Fatalf("Checkpoints on an empty store = %v, %v; want none", cps, err)
	}
	mk := func(seq int64) *callvault.Checkpoint {
		return &callvault.Checkpoint{
			Seq:       seq,
			Hash:      fmt.Sprintf("%064x", seq),
			Time:      base.Truncate(time.Microsecond).Add(time.Duration(seq) * time.Minute), // signed bytes need µs
			KeyID:     "0123456789abcdef",
			Signature: "c2lnbmF0dXJlIGJ5dGVzIGZvciBzZXEg+/8=",
		}
	}
	want := []*callvault.Checkpoint{mk(10), mk(20), mk(30)}
	for _, i := range []int{1, 0, 2} {
		if err := cat.AddCheckpoint(ctx(), want[i]); err != nil {
			t.Fatalf("AddCheckpoint(%d): %v", want[i].Seq, err)
		}
	}
	got, err := cat.Checkpoints(ctx())
	if err != nil {
		t.Fatalf("Checkpoints: %v", err)
	}
	if diff := cmp.Diff(want, got, cmpOpts); diff != "" {
		t.Errorf("Checkpoints (-want +got):\n%s", diff)
	}
	for i := range got {
		if string(got[i].SignedBytes()) != string(want[i].SignedBytes()) {
			t.Errorf("checkpoint %d signs different bytes after the round trip", got[i].Seq)
		}
	}
}

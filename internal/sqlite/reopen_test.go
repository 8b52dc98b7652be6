package sqlite_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/sqlite"
	"github.com/google/go-cmp/cmp"
)

func recording(n int) *callvault.Recording {
	start := time.Date(2026, 1, 2, 3, 4, 5, 678901000, time.UTC).Add(time.Duration(n) * time.Minute)
	return &callvault.Recording{
		ID: callvault.NewID(), StartedAt: start, Duration: time.Minute,
		Parties: []callvault.Party{{Name: "Jane Doe", Number: callvault.Number{E164: fmt.Sprintf("+4420794600%02d", n), Raw: "x"}}},
		Source:  callvault.SourceUpload, SourceID: fmt.Sprintf("u-%d", n),
		Codec: callvault.CodecPCM16, SampleRate: 8000, Channels: 1,
		BlobKey: "k", Header: []byte("hdr"), RetainUntil: start.AddDate(1, 0, 0), CreatedAt: start,
		Attributes:         map[string]string{"a": "b"},
		AnnouncementPlayed: callvault.AnnouncementNo,
	}
}

func event(action string) *callvault.AuditEvent {
	return &callvault.AuditEvent{Time: time.Now(), Actor: "system", Action: action, Detail: `{"n":1}`}
}

func TestReopenKeepsEverything(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "catalogue.db")
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	r := recording(1)
	if err := db.CreateRecording(ctx, r, event(callvault.ActionRecordingIngest)); err != nil {
		t.Fatalf("CreateRecording: %v", err)
	}
	tok := &callvault.Token{ID: callvault.NewID(), Name: "pbx", Role: callvault.RoleRecorder, Hash: "ab", CreatedAt: r.CreatedAt}
	if err := db.CreateToken(ctx, tok, event(callvault.ActionTokenCreate)); err != nil {
		t.Fatalf("CreateToken: %v", err)
	}
	cp := &callvault.Checkpoint{Seq: 2, Hash: "h", Time: r.CreatedAt, KeyID: "k", Signature: "s"}
	if err := db.AddCheckpoint(ctx, cp); err != nil {
		t.Fatalf("AddCheckpoint: %v", err)
	}
	if ok, err := db.AcquireLease(ctx, "retention", "A", time.Hour); !ok || err != nil {
		t.Fatalf("AcquireLease = %v, %v", ok, err)
	}
	events, err := db.AuditEvents(ctx, 0, 10)
	if err != nil {
		t.Fatalf("AuditEvents: %v", err)
	}
	if err := db.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	for i := 0; i < 2; i++ { // the second reopen finds every migration applied
		db, err = sqlite.Open(ctx, path)
		if err != nil {
			t.Fatalf("reopen #%d: %v", i+1, err)
		}
		got, err := db.Recording(ctx, r.ID)
		if err != nil {
			t.Fatalf("Recording after reopen: %v", err)
		}
		if diff := cmp.Diff(r, got); diff != "" {
			t.Errorf("recording after reopen (-want +got):\n%s", diff)
		}
		found, err := db.FindRecordings(ctx, callvault.RecordingFilter{Subjects: []callvault.Subject{{Kind: callvault.SubjectName, Value: "jane doe"}}})
		if err != nil || len(found) != 1 {
			t.Errorf("FindRecordings after reopen = %d results, %v; want 1", len(found), err)
		}
		gotEvents, err := db.AuditEvents(ctx, 0, 10)
		if err != nil {
			t.Fatalf("AuditEvents: %v", err)
		}
		if diff := cmp.Diff(events, gotEvents); diff != "" {
			t.Errorf("audit log after reopen (-want +got):\n%s", diff)
		}
		if _, err := db.TokenByHash(ctx, "ab"); err != nil {
			t.Errorf("TokenByHash after reopen: %v", err)
		}
		cps, err := db.Checkpoints(ctx)
		if err != nil || len(cps) != 1 {
			t.Errorf("Checkpoints after reopen = %v, %v", cps, err)
		}
		if ok, err := db.AcquireLease(ctx, "retention", "B", time.Hour); ok || err != nil {
			t.Errorf("B took A's lease after reopen: %v, %v", ok, err)
		}
		if err := db.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
	}
}

// TestTwoHandlesOneChain opens the file twice, as two processes would, and appends from both at
// once: the IMMEDIATE transactions must serialise them into one chain.
func TestTwoHandlesOneChain(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "catalogue.db")
	var dbs [2]*sqlite.DB
	for i := range dbs {
		db, err := sqlite.Open(ctx, path)
		if err != nil {
			t.Fatalf("Open #%d: %v", i, err)
		}
		defer db.Close()
		dbs[i] = db
	}
	const each = 30
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, db := range dbs {
		for g := 0; g < 2; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				for n := 0; n < each; n++ {
					if err := db.AppendAudit(ctx, event(fmt.Sprintf("h%d.g%d", i, g))); err != nil {
						t.Errorf("AppendAudit: %v", err)
						return
					}
				}
			}()
		}
	}
	close(start)
	wg.Wait()
	evs, err := dbs[1].AuditEvents(ctx, 0, 1000)
	if err != nil {
		t.Fatalf("AuditEvents: %v", err)
	}
	if len(evs) != 4*each {
		t.Fatalf("%d events, want %d", len(evs), 4*each)
	}
	prev := callvault.GenesisHash
	for i, ev := range evs {
		if ev.Seq != int64(i+1) || ev.PrevHash != prev || ev.ComputeHash() != ev.Hash {
			t.Fatalf("chain broken at event %d (seq %d)", i+1, ev.Seq)
		}
		prev = ev.Hash
	}
}

func TestFindExtras(t *testing.T) {
	ctx := context.Background()
	db := openTemp(t)
	r1, r2 := recording(1), recording(2)
	for _, r := range []*callvault.Recording{r1, r2} {
		if err := db.CreateRecording(ctx, r, event(callvault.ActionRecordingIngest)); err != nil {
			t.Fatalf("CreateRecording: %v", err)
		}
	}
	name := []callvault.Subject{{Kind: callvault.SubjectName, Value: "  JANE  doe "}}

	// The store normalises filter values too, as Recording.Subjects does.
	got, err := db.FindRecordings(ctx, callvault.RecordingFilter{Subjects: name})
	if err != nil || len(got) != 2 {
		t.Fatalf("FindRecordings(un-normalised name) = %d results, %v; want 2", len(got), err)
	}

	// A page cursor naming a recording deleted since keeps working.
	if err := db.DeleteRecording(ctx, r1.ID, event(callvault.ActionRecordingDelete)); err != nil {
		t.Fatalf("DeleteRecording: %v", err)
	}
	got, err = db.FindRecordings(ctx, callvault.RecordingFilter{Subjects: name, After: r1.ID})
	if err != nil || len(got) != 1 || got[0].ID != r2.ID {
		t.Errorf("FindRecordings after a deleted cursor = %v, %v; want [r2]", got, err)
	}

	for _, f := range []callvault.RecordingFilter{
		{After: callvault.NewID()},
		{Subjects: []callvault.Subject{{Kind: "email", Value: "x@example.com"}}},
		{Subjects: []callvault.Subject{{Kind: callvault.SubjectNumber, Value: "  "}}},
		{Limit: -1},
	} {
		if _, err := db.FindRecordings(ctx, f); !callvault.IsKind(err, callvault.KindInvalid) {
			t.Errorf("FindRecordings(%+v) = %v, want kind invalid", f, err)
		}
	}

}

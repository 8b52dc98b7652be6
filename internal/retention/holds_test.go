package retention_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/archive"
	"github.com/callvault/callvault/internal/archive/archivetest"
	"github.com/callvault/callvault/internal/audio"
	"github.com/callvault/callvault/internal/audit"
	"github.com/callvault/callvault/internal/retention"

	_ "modernc.org/sqlite"
)

// ingestParty stores a recording with a named party, a number and an extension unique to i.
func ingestParty(t testing.TB, a *archive.Service, i int, started time.Time) *callvault.Recording {
	t.Helper()
	r, err := ingestPartyErr(a, i, started)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func ingestPartyErr(a *archive.Service, i int, started time.Time) (*callvault.Recording, error) {
	var wav bytes.Buffer
	audio.WriteHeader(&wav, audio.MuLawFormat(8000, 1), 160)
	wav.Write(make([]byte, 160))
	num := fmt.Sprintf("+4477009%05d", i)
	r, _, err := a.Ingest(context.Background(), callvault.IngestRequest{Actor: "test",
		Recording: &callvault.Recording{StartedAt: started, Source: callvault.SourceUpload, SourceID: fmt.Sprintf("src-%d", i),
			Extensions:      []string{fmt.Sprintf("X%05dX", i)},
			ExternalNumbers: []callvault.Number{{E164: num, Raw: num}},
			Parties:         []callvault.Party{{Name: fmt.Sprintf("Zebedee Quux%05d", i), Number: callvault.Number{E164: num, Raw: num}}},
		}, Audio: &wav})
	return r, err
}

func TestSweepSkipsHeldRecordingsAndReportsThem(t *testing.T) {
	f := archivetest.New(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	old := now.AddDate(0, -8, 0)
	held, free1, free2 := ingestParty(t, f.Service, 1, old), ingestParty(t, f.Service, 2, old), ingestParty(t, f.Service, 3, old)
	holds := &retention.Holds{Store: f.DB, Now: func() time.Time { return now }}
	h, err := holds.Place(ctx, retention.PlaceRequest{RecordingID: held.ID, Reason: "complaint 17", CaseID: "C-17",
		ReviewAt: now.AddDate(0, 1, 0), Actor: "dpo"})
	if err != nil {
		t.Fatal(err)
	}
	s := &retention.Sweeper{Catalogue: f.DB, Blobs: f.Blobs, Holds: f.DB, Now: func() time.Time { return now }, Batch: 1}
	for run := range 2 { // reported on every run, not only the first
		res, err := s.RunOnce(ctx)
		if err != nil {
			t.Fatal(err)
		}
		wantDeleted := 2
		if run > 0 {
			wantDeleted = 0
		}
		if res.Deleted != wantDeleted || res.HeldRecordings != 1 || len(res.Held) != 1 || res.Held[0].ID != h.ID || res.Held[0].CaseID != "C-17" {
			t.Fatalf("run %d: %+v; want %d deleted and hold %s reported", run, res, wantDeleted, h.ID)
		}
	}
	for _, r := range []*callvault.Recording{free1, free2} {
		if _, err := f.DB.Recording(ctx, r.ID); !callvault.IsKind(err, callvault.KindNotFound) {
			t.Errorf("unheld expired recording %s not deleted: %v", r.ID, err)
		}
	}
	if _, err := f.Service.Open(ctx, "test", held.ID, "check"); err != nil {
		t.Fatalf("the held recording was damaged: %v", err)
	}
	// Nobody may delete it by hand either.
	err = f.DB.DeleteRecording(ctx, held.ID, &callvault.AuditEvent{Time: now, Actor: "admin", Action: callvault.ActionRecordingDelete, Object: "recording:" + held.ID})
	if !callvault.IsKind(err, callvault.KindConflict) || !strings.Contains(err.Error(), h.ID) {
		t.Fatalf("deleting a held recording by hand: %v; want a conflict naming hold %s", err, h.ID)
	}
	// Once released, the next run deletes it.
	if _, err := holds.Release(ctx, h.ID, "dpo", "complaint closed"); err != nil {
		t.Fatal(err)
	}
	res, err := s.RunOnce(ctx)
	if err != nil || res.Deleted != 1 || len(res.Held) != 0 {
		t.Fatalf("run after release: %+v, %v; want the recording deleted", res, err)
	}
	// The hold and its release are in the chain.
	var actions []string
	evs, _ := f.DB.AuditEvents(ctx, 0, 1000)
	for _, ev := range evs {
		if strings.HasPrefix(ev.Action, "hold.") {
			actions = append(actions, ev.Action+" "+ev.Object)
		}
	}
	want := []string{callvault.ActionHoldPlace + " recording:" + held.ID, callvault.ActionHoldRelease + " recording:" + held.ID}
	if strings.Join(actions, ",") != strings.Join(want, ",") {
		t.Errorf("hold events %v, want %v", actions, want)
	}
}

func TestHoldsServiceRefusesBadInput(t *testing.T) {
	f := archivetest.New(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	r := ingestParty(t, f.Service, 1, now)
	holds := &retention.Holds{Store: f.DB, Now: func() time.Time { return now }}
	for name, req := range map[string]retention.PlaceRequest{
		"no reason":   {RecordingID: r.ID, ReviewAt: now.AddDate(0, 1, 0), Actor: "dpo"},
		"past review": {RecordingID: r.ID, Reason: "x", ReviewAt: now.AddDate(0, -1, 0), Actor: "dpo"},
		"no review":   {RecordingID: r.ID, Reason: "x", Actor: "dpo"},
		"no actor":    {RecordingID: r.ID, Reason: "x", ReviewAt: now.AddDate(0, 1, 0)},
		"bad id":      {RecordingID: "../etc", Reason: "x", ReviewAt: now.AddDate(0, 1, 0), Actor: "dpo"},
	} {
		if _, err := holds.Place(ctx, req); !callvault.IsKind(err, callvault.KindInvalid) {
			t.Errorf("%s: %v, want KindInvalid", name, err)
		}
	}
	if _, err := holds.Place(ctx, retention.PlaceRequest{RecordingID: callvault.NewID(), Reason: "x", ReviewAt: now.AddDate(0, 1, 0), Actor: "dpo"}); !callvault.IsKind(err, callvault.KindNotFound) {
		t.Errorf("hold on an unknown recording: %v, want KindNotFound", err)
	}
	if _, err := holds.Release(ctx, callvault.NewID(), "dpo", "x"); !callvault.IsKind(err, callvault.KindNotFound) {
		t.Errorf("release of an unknown hold: %v, want KindNotFound", err)
	}
	if _, err := retention.ParseReviewDate("2026-02-30", nil); !callvault.IsKind(err, callvault.KindInvalid) {
		t.Errorf("ParseReviewDate(2026-02-30): %v", err)
	}
	d, err := retention.ParseReviewDate("2027-03-01", nil)
	if err != nil || d.Format(time.DateOnly) != "2027-03-01" || d.Location() != callvault.DefaultZone() {
		t.Errorf("ParseReviewDate(2027-03-01) = %v, %v", d, err)
	}
}

// The lease is lost in the middle of a run: the sweeper must notice at its next batch and stop,
// leaving the rest for the node that took the lease.
func TestSweepStopsWhenLeaseLostMidRun(t *testing.T) {
	a, db, blobs := setup(t)
	now := time.Now()
	for i := range 10 {
		ingest(t, a, fmt.Sprintf("old-%d", i), now.AddDate(-1, 0, 0))
	}
	calls := 0
	s := &retention.Sweeper{Catalogue: db, Blobs: blobs, Batch: 2,
		KeepLease: func(context.Context) (bool, error) { calls++; return calls <= 2, nil }}
	res, err := s.RunOnce(context.Background())
	if err != nil || res.Deleted != 4 {
		t.Fatalf("sweep that lost its lease after two batches deleted %d (%v), want 4", res.Deleted, err)
	}
	left, err := db.ExpiredRecordings(context.Background(), now, 100)
	if err != nil || len(left) != 6 {
		t.Fatalf("%d expired recordings left (%v), want 6", len(left), err)
	}
	res, err = (&retention.Sweeper{Catalogue: db, Blobs: blobs, Batch: 2}).RunOnce(context.Background())
	if err != nil || res.Deleted != 6 {
		t.Fatalf("the node that took the lease deleted %d (%v), want 6", res.Deleted, err)
	}
}

// Of 10,000 recordings of mixed ages with some held, exactly the expired unheld ones are deleted:
// their blobs are gone, their tombstones and the subject index keep none of their names, numbers
// or extensions,
// each has one receipt in the chain, and the audit log verifies.
func TestSweepTenThousand(t *testing.T) {
	if testing.Short() {
		t.Skip("10,000 recordings")
	}
	f := archivetest.New(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	const n = 10000
	holds := &retention.Holds{Store: f.DB, Now: func() time.Time { return now }}
	expired, kept := map[string]*callvault.Recording{}, map[string]*callvault.Recording{}
	// Ingest with 8 writers: each ingest waits mostly on fsync.
	recs := make([]*callvault.Recording, n)
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += 8 {
				age := time.Duration(i%12) * 30 * 24 * time.Hour // 0 to 11 months old
				r, err := ingestPartyErr(f.Service, i, now.Add(-age-time.Hour))
				if err != nil {
					t.Error(err)
					return
				}
				recs[i] = r
			}
		}()
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	for i, r := range recs {
		switch {
		case !r.RetainUntil.Before(now):
			kept[r.ID] = r
		case i%97 == 0:
			if _, err := holds.Place(ctx, retention.PlaceRequest{RecordingID: r.ID, Reason: "case", ReviewAt: now.AddDate(0, 2, 0), Actor: "dpo"}); err != nil {
				t.Fatal(err)
			}
			kept[r.ID] = r
		default:
			expired[r.ID] = r
		}
	}
	deletedOnce := map[string]int{}
	s := &retention.Sweeper{Catalogue: f.DB, Blobs: f.Blobs, Holds: f.DB, Now: func() time.Time { return now }, Batch: 500,
		OnDelete: func(id string) { deletedOnce[id]++ }}
	res, err := s.RunOnce(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if res.Deleted != len(expired) || len(deletedOnce) != len(expired) {
		t.Fatalf("deleted %d, want %d", res.Deleted, len(expired))
	}
	t.Logf("%d recordings: %d deleted, %d kept (%d held)", n, res.Deleted, len(kept), res.HeldRecordings)
	for id := range deletedOnce {
		if expired[id] == nil {
			t.Fatalf("deleted %s, which was not due", id)
		}
	}
	for id, r := range kept {
		if _, err := f.DB.Recording(ctx, id); err != nil {
			t.Fatalf("kept recording %s is gone: %v", id, err)
		}
		if _, err := f.Blobs.Open(ctx, r.BlobKey); err != nil {
			t.Fatalf("kept recording %s lost its blob: %v", id, err)
		}
	}
	for id, r := range expired {
		if _, err := f.Blobs.Open(ctx, r.BlobKey); !callvault.IsKind(err, callvault.KindNotFound) {
			t.Fatalf("blob of deleted %s: %v", id, err)
		}
	}
	// The tombstones hold no name, number or extension, and the subject index none of theirs:
	// read from the database file itself, not through the store.
	raw, err := sql.Open("sqlite", "file:"+f.DB.Path()+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var tombstones int
	rows, err := raw.Query(`SELECT extensions || external_numbers || parties || line || attributes || COALESCE(header, '') || COALESCE(sidecar, '')
		FROM recordings WHERE deleted_at IS NOT NULL
		UNION ALL SELECT s.value FROM recording_subjects s JOIN recordings r ON r.id = s.recording_id WHERE r.deleted_at IS NOT NULL`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var text []byte
		if err := rows.Scan(&text); err != nil {
			t.Fatal(err)
		}
		if m := personalRE.Find(text); m != nil || len(text) > 0 && string(text) != "[][][]{}" {
			t.Fatalf("a deleted recording's row or subject keeps %q", text)
		}
		tombstones++
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if tombstones != len(expired) {
		t.Fatalf("%d tombstones, want %d", tombstones, len(expired))
	}
	var keptSubjects int
	if err := raw.QueryRow(`SELECT COUNT(*) FROM recording_subjects`).Scan(&keptSubjects); err != nil || keptSubjects == 0 {
		t.Fatalf("no subject rows of kept recordings (%v): the check reads the wrong table", err)
	}
	// One receipt per deleted recording, and the log verifies.
	receipts := map[string]int{}
	for after := int64(0); ; {
		evs, err := f.DB.AuditEvents(ctx, after, 1000)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) == 0 {
			break
		}
		for _, ev := range evs {
			if ev.Action == callvault.ActionRecordingDelete {
				receipts[strings.TrimPrefix(ev.Object, "recording:")]++
			}
		}
		after = evs[len(evs)-1].Seq
	}
	if len(receipts) != len(expired) {
		t.Fatalf("%d receipts, want %d", len(receipts), len(expired))
	}
	for id, c := range receipts {
		if c != 1 || expired[id] == nil {
			t.Fatalf("recording %s has %d receipts", id, c)
		}
	}
	rep, err := audit.Verify(ctx, f.DB, f.Blobs, f.Service.Keys.VerifyKey(), audit.VerifyOptions{})
	if err != nil || !rep.OK() {
		t.Fatalf("audit verify: %v %+v", err, rep)
	}
}

// personalRE matches the names, numbers and extensions ingestParty gives.
var personalRE = regexp.MustCompile(`Zebedee Quux\d{5}|\+4477009\d{5}|X\d{5}X`)

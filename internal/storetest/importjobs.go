package storetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/callvault/callvault"
	"github.com/google/go-cmp/cmp"
)

// ImportJobCatalogue is what the import job suite needs of a backend: the jobs and the audit log
// their changes append to.
type ImportJobCatalogue interface {
	callvault.ImportJobStore
	callvault.ImportJobImporter
	callvault.AuditStore
}

// RunImportJobs runs the conformance suite of callvault.ImportJobStore. Every subtest gets its
// own empty catalogue from open, which must close it when the test ends.
func RunImportJobs(t *testing.T, open func(t *testing.T) ImportJobCatalogue) {
	t.Run("Enqueue", func(t *testing.T) { testJobEnqueue(t, open(t)) })
	t.Run("Claim", func(t *testing.T) { testJobClaim(t, open(t)) })
	t.Run("Finish", func(t *testing.T) { testJobFinish(t, open(t)) })
	t.Run("Retry", func(t *testing.T) { testJobRetry(t, open(t)) })
	t.Run("ConcurrentClaims", func(t *testing.T) { testJobConcurrentClaims(t, open(t)) })
	t.Run("Copy", func(t *testing.T) { testJobCopy(t, open(t), open(t)) })
}

func newJob(n int) *callvault.ImportJob {
	return &callvault.ImportJob{
		ID:        callvault.NewID(),
		Kind:      "twilio",
		Key:       fmt.Sprintf("RE%032d", n),
		Payload:   fmt.Sprintf(`{"CallSid":"CA%d","From":"+4477009%05d","note":"\u00e9"}`, n, n),
		CreatedAt: base.Add(time.Duration(n) * time.Minute),
	}
}

func enqueueJob(t testing.TB, s ImportJobCatalogue, j *callvault.ImportJob) {
	t.Helper()
	if err := s.EnqueueImportJob(ctx(), j, newEvent(callvault.ActionImportQueued, j.Key)); err != nil {
		t.Fatalf("EnqueueImportJob(%s): %v", j.Key, err)
	}
}

func claimJobs(t testing.TB, s ImportJobCatalogue, holder string, now time.Time, limit int) []*callvault.ImportJob {
	t.Helper()
	js, err := s.ClaimImportJobs(ctx(), holder, now, now.Add(5*time.Minute), limit)
	if err != nil {
		t.Fatalf("ClaimImportJobs(%s, %s): %v", holder, now, err)
	}
	return js
}

func jobByKey(t testing.TB, s ImportJobCatalogue, j *callvault.ImportJob) *callvault.ImportJob {
	t.Helper()
	got, err := s.ImportJobByKey(ctx(), j.Kind, j.Key)
	if err != nil {
		t.Fatalf("ImportJobByKey(%s): %v", j.Key, err)
	}
	return got
}

func jobIDs(js []*callvault.ImportJob) []string {
	out := make([]string, len(js))
	for i, j := range js {
		out[i] = j.ID
	}
	return out
}

func testJobEnqueue(t *testing.T, s ImportJobCatalogue) {
	j := newJob(1)
	ev := newEvent(callvault.ActionImportQueued, j.Key)
	if err := s.EnqueueImportJob(ctx(), j, ev); err != nil {
		t.Fatalf("EnqueueImportJob: %v", err)
	}
	if ev.Seq != 1 || ev.Hash == "" {
		t.Errorf("EnqueueImportJob did not seal its event: %+v", ev)
	}
	want := *j
	want.NextAttempt = j.CreatedAt
	if diff := cmp.Diff(&want, jobByKey(t, s, j), cmpOpts); diff != "" {
		t.Errorf("stored job (-want +got):\n%s", diff)
	}
	dupKey := newJob(1) // same provider recording, new ID: a callback delivered twice
	wantKind(t, s.EnqueueImportJob(ctx(), dupKey, newEvent(callvault.ActionImportQueued, j.Key)), callvault.KindConflict, "EnqueueImportJob(same kind and key)")
	dupID := newJob(2)
	dupID.ID = j.ID
	wantKind(t, s.EnqueueImportJob(ctx(), dupID, newEvent(callvault.ActionImportQueued, j.Key)), callvault.KindConflict, "EnqueueImportJob(same ID)")
	otherKind := newJob(1)
	otherKind.Kind = "other"
	enqueueJob(t, s, otherKind) // the key is unique per kind only
	bad := newJob(3)
	bad.Payload = "{not json"
	wantKind(t, s.EnqueueImportJob(ctx(), bad, newEvent(callvault.ActionImportQueued, bad.Key)), callvault.KindInvalid, "EnqueueImportJob(bad payload)")
	wantKind(t, s.EnqueueImportJob(ctx(), newJob(4), nil), callvault.KindInvalid, "EnqueueImportJob(no event)")
	wantKind(t, s.EnqueueImportJob(ctx(), nil, newEvent(callvault.ActionImportQueued, "x")), callvault.KindInvalid, "EnqueueImportJob(nil)")
	_, err := s.ImportJobByKey(ctx(), "twilio", "RE-none")
	wantKind(t, err, callvault.KindNotFound, "ImportJobByKey(unknown)")
	if n := len(auditLog(t, s)); n != 2 {
		t.Errorf("audit log has %d events, want 2 (refused jobs append nothing)", n)
	}
}

func testJobClaim(t *testing.T, s ImportJobCatalogue) {
	a, b, c := newJob(1), newJob(2), newJob(3)
	b.NextAttempt = base.Add(30 * time.Second)
	c.NextAttempt = base.Add(time.Hour)
	for _, j := range []*callvault.ImportJob{a, b, c} {
		enqueueJob(t, s, j)
	}
	now := base.Add(10 * time.Minute)
	if diff := cmp.Diff([]string{b.ID}, jobIDs(claimJobs(t, s, "A", now, 1))); diff != "" {
		t.Fatalf("first claim of 1 (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{a.ID}, jobIDs(claimJobs(t, s, "B", now, 10))); diff != "" {
		t.Fatalf("B's claim (-want +got):\n%s", diff)
	}
	if got := claimJobs(t, s, "C", now, 10); len(got) != 0 {
		t.Fatalf("C claimed %v while A and B hold every due job", jobIDs(got))
	}
	// A restart: the holders are gone; at the hour their claims have ended and c is due.
	if diff := cmp.Diff([]string{b.ID, a.ID, c.ID}, jobIDs(claimJobs(t, s, "C", base.Add(time.Hour), 10))); diff != "" {
		t.Errorf("claim after the claims ended (-want +got):\n%s", diff)
	}
	_, err := s.ClaimImportJobs(ctx(), "", now, now.Add(time.Minute), 1)
	wantKind(t, err, callvault.KindInvalid, "ClaimImportJobs(no holder)")
}

func testJobFinish(t *testing.T, s ImportJobCatalogue) {
	j, r := newJob(1), newJob(2)
	enqueueJob(t, s, j)
	enqueueJob(t, s, r)
	now := base.Add(time.Hour)
	claimJobs(t, s, "A", now, 10)
	recID := callvault.NewID()
	wantKind(t, s.FinishImportJob(ctx(), j.ID, "B", now, callvault.ImportImported, recID, "", nil), callvault.KindConflict, "FinishImportJob by another holder")
	wantKind(t, s.FinishImportJob(ctx(), callvault.NewID(), "A", now, callvault.ImportImported, recID, "", nil), callvault.KindNotFound, "FinishImportJob(unknown)")
	wantKind(t, s.FinishImportJob(ctx(), j.ID, "A", now, "lost", "", "", nil), callvault.KindInvalid, "FinishImportJob(bad outcome)")
	if err := s.FinishImportJob(ctx(), j.ID, "A", now, callvault.ImportImported, recID, "", nil); err != nil {
		t.Fatalf("FinishImportJob(imported): %v", err)
	}
	ev := newEvent(callvault.ActionImportRefused, r.Key)
	if err := s.FinishImportJob(ctx(), r.ID, "A", now, callvault.ImportRefused, "", "unrecorded line 2001", ev); err != nil {
		t.Fatalf("FinishImportJob(refused): %v", err)
	}
	if ev.Seq != 3 {
		t.Errorf("FinishImportJob sealed seq %d, want 3", ev.Seq)
	}
	got := jobByKey(t, s, j)
	if !got.Done() || got.Outcome != callvault.ImportImported || got.RecordingID != recID || got.Attempts != 1 || got.Payload != "{}" {
		t.Errorf("after FinishImportJob: %+v; want done, imported as %s, 1 attempt, payload emptied", got, recID)
	}
	if got := jobByKey(t, s, r); got.Outcome != callvault.ImportRefused || got.LastError != "unrecorded line 2001" {
		t.Errorf("refused job: %+v", got)
	}
	wantKind(t, s.FinishImportJob(ctx(), j.ID, "A", now, callvault.ImportImported, recID, "", nil), callvault.KindConflict, "FinishImportJob twice")
	wantKind(t, s.RetryImportJob(ctx(), j.ID, "A", now, "late"), callvault.KindConflict, "RetryImportJob after finished")
	if got := claimJobs(t, s, "B", now.Add(24*time.Hour), 10); len(got) != 0 {
		t.Errorf("finished jobs were claimed again: %v", jobIDs(got))
	}
	wantKind(t, s.EnqueueImportJob(ctx(), newJob(1), newEvent(callvault.ActionImportQueued, j.Key)), callvault.KindConflict, "EnqueueImportJob after finished")
}

func testJobRetry(t *testing.T, s ImportJobCatalogue) {
	j := newJob(1)
	enqueueJob(t, s, j)
	now := base.Add(time.Hour)
	claimJobs(t, s, "A", now, 10)
	next := now.Add(30 * time.Second)
	wantKind(t, s.RetryImportJob(ctx(), j.ID, "B", next, "x"), callvault.KindConflict, "RetryImportJob by another holder")
	long := ""
	for len(long) < 600 {
		long += "é fetch failed "
	}
	if err := s.RetryImportJob(ctx(), j.ID, "A", next, long); err != nil {
		t.Fatalf("RetryImportJob: %v", err)
	}
	got := jobByKey(t, s, j)
	if got.Done() || got.Attempts != 1 || !got.NextAttempt.Equal(next.UTC().Truncate(time.Microsecond)) ||
		got.LastError != callvault.TruncateImportError(long) || got.Payload != j.Payload {
		t.Errorf("after RetryImportJob: %+v", got)
	}
	if got := claimJobs(t, s, "B", now.Add(time.Second), 10); len(got) != 0 {
		t.Errorf("a job was claimed before its next attempt: %v", jobIDs(got))
	}
	if diff := cmp.Diff([]string{j.ID}, jobIDs(claimJobs(t, s, "B", next, 10))); diff != "" {
		t.Errorf("claim at the next attempt (-want +got):\n%s", diff)
	}
}

func testJobConcurrentClaims(t *testing.T, s ImportJobCatalogue) {
	const jobs, claimers = 20, 4
	for i := range jobs {
		enqueueJob(t, s, newJob(i))
	}
	now := base.Add(time.Hour)
	var (
		mu   sync.Mutex
		seen = map[string]string{}
		wg   sync.WaitGroup
	)
	for c := range claimers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			holder := fmt.Sprintf("claimer-%d", c)
			for {
				js, err := s.ClaimImportJobs(ctx(), holder, now, now.Add(time.Minute), 3)
				if err != nil {
					t.Errorf("ClaimImportJobs: %v", err)
					return
				}
				if len(js) == 0 {
					return
				}
				mu.Lock()
				for _, j := range js {
					if other, ok := seen[j.ID]; ok {
						t.Errorf("job %s claimed by %s and %s", j.ID, other, holder)
					}
					seen[j.ID] = holder
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(seen) != jobs {
		t.Errorf("%d jobs claimed, want %d", len(seen), jobs)
	}
}

// testJobCopy copies jobs in every state from src to dst as migration does: listed in pages,
// imported as they are (claims dropped), and each only once.
func testJobCopy(t *testing.T, src, dst ImportJobCatalogue) {
	done, failed, held, waiting := newJob(1), newJob(2), newJob(3), newJob(4)
	for _, j := range []*callvault.ImportJob{done, failed, held, waiting} {
		enqueueJob(t, src, j)
	}
	now := base.Add(time.Hour)
	claimJobs(t, src, "A", now, 10)
	recID := callvault.NewID()
	if err := src.FinishImportJob(ctx(), done.ID, "A", now, callvault.ImportImported, recID, "", nil); err != nil {
		t.Fatal(err)
	}
	if err := src.RetryImportJob(ctx(), failed.ID, "A", now.Add(time.Hour), "the provider answered 500"); err != nil {
		t.Fatal(err)
	}
	if err := src.RetryImportJob(ctx(), waiting.ID, "A", now.Add(2*time.Hour), "timeout"); err != nil {
		t.Fatal(err)
	}
	// held stays claimed by A: the copy must not carry the claim.

	var all []*callvault.ImportJob
	for after := ""; ; {
		page, err := src.ImportJobs(ctx(), after, 3)
		if err != nil {
			t.Fatalf("ImportJobs(%q): %v", after, err)
		}
		if len(page) == 0 {
			break
		}
		if len(page) > 3 {
			t.Fatalf("ImportJobs returned %d jobs, limit 3", len(page))
		}
		all = append(all, page...)
		after = page[len(page)-1].ID
	}
	if len(all) != 4 {
		t.Fatalf("ImportJobs listed %d jobs, want 4", len(all))
	}
	for i := 1; i < len(all); i++ {
		if all[i-1].ID >= all[i].ID {
			t.Errorf("ImportJobs not in ID order: %v", jobIDs(all))
		}
	}
	for _, j := range all {
		if err := dst.ImportImportJob(ctx(), j); err != nil {
			t.Fatalf("ImportImportJob(%s): %v", j.Key, err)
		}
	}
	for _, j := range []*callvault.ImportJob{done, failed, held, waiting} {
		if diff := cmp.Diff(jobByKey(t, src, j), jobByKey(t, dst, j)); diff != "" {
			t.Errorf("copied job %s differs (-source +target):\n%s", j.Key, diff)
		}
	}
	wantKind(t, dst.ImportImportJob(ctx(), all[0]), callvault.KindConflict, "ImportImportJob twice")
	again := newJob(1) // done's key, another ID
	wantKind(t, dst.ImportImportJob(ctx(), again), callvault.KindConflict, "ImportImportJob of a key copied already")
	bad := newJob(9)
	bad.Payload = "not json"
	wantKind(t, dst.ImportImportJob(ctx(), bad), callvault.KindInvalid, "ImportImportJob(invalid)")

	// On the target the held job is free at once, the failed ones when due, the done one never.
	if got := jobIDs(claimJobs(t, dst, "B", now, 10)); !cmp.Equal(got, []string{held.ID}) {
		t.Errorf("target claimed %v at the copy's time, want only the job that was held (%s)", got, held.ID)
	}
	// Three hours on, B's claim has ended too.
	if got := jobIDs(claimJobs(t, dst, "C", now.Add(3*time.Hour), 10)); !cmp.Equal(got, []string{held.ID, failed.ID, waiting.ID}) {
		t.Errorf("target claimed %v once the retries were due, want %v (never the done job)", got, []string{held.ID, failed.ID, waiting.ID})
	}
	if n, err := dst.ImportJobs(ctx(), "", 10); err != nil || len(n) != 4 {
		t.Errorf("target lists %d jobs (%v), want 4", len(n), err)
	}
}

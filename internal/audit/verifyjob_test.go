package audit

import (
	"context"
	"crypto/ed25519"
	"strings"
	"testing"
	"time"

	"github.com/callvault/callvault"
)

// gatedStore blocks the first read of the log until gate is closed, so that a test can see a
// run in progress.
type gatedStore struct {
	VerifyStore
	gate    chan struct{}
	reading chan struct{}
	once    bool
}

func (g *gatedStore) AuditEvents(ctx context.Context, afterSeq int64, limit int) ([]*callvault.AuditEvent, error) {
	if !g.once && limit == eventPage && afterSeq == 0 {
		g.once = true
		close(g.reading)
		<-g.gate
	}
	return g.VerifyStore.AuditEvents(ctx, afterSeq, limit)
}

// TestVerifyJobs: a run is one at a time, counts the events it checked against the log's
// length, ends in an audit.verify event; a broken log's run names the first broken seq and
// tells Broken; the last result is found again from the log by a new manager (a restart).
func TestVerifyJobs(t *testing.T) {
	v := newTestVault(t, 2505, 5)
	gated := &gatedStore{VerifyStore: v.cat, gate: make(chan struct{}), reading: make(chan struct{})}
	clock := t0.Add(time.Hour)
	jobs := NewVerifyJobs(context.Background(), VerifyJobsConfig{Store: gated, Blobs: v.blobs,
		Key: func() ed25519.PublicKey { return v.pub }, Now: func() time.Time { return clock }})
	defer jobs.Close()
	if last, err := jobs.Last(context.Background()); err != nil || last != nil {
		t.Fatalf("last verification of a vault never verified: %+v %v", last, err)
	}
	pr, err := jobs.Start("user:al")
	if err != nil || !pr.Running || pr.Total != 2505 {
		t.Fatalf("start: %+v %v", pr, err)
	}
	<-gated.reading
	if _, err := jobs.Start("user:bo"); !callvault.IsKind(err, callvault.KindConflict) {
		t.Fatalf("a second run while one runs: %v", err)
	}
	if pr := jobs.Progress(); !pr.Running || pr.Checked != 0 || pr.By != "user:al" {
		t.Fatalf("progress while blocked: %+v", pr)
	}
	close(gated.gate)
	jobs.Wait()
	pr = jobs.Progress()
	if pr.Running || pr.Checked != 2505 || pr.Result == nil || !pr.Result.OK || pr.Result.Events != 2505 || pr.Error != "" {
		t.Fatalf("progress after the run: %+v %+v", pr, pr.Result)
	}
	head, _ := v.cat.AuditHead(context.Background())
	if head.Action != callvault.ActionAuditVerify || head.Actor != "user:al" || !strings.Contains(head.Detail, `"result":"ok"`) {
		t.Fatalf("the run's event: %+v", head)
	}
	if last, _ := jobs.Last(context.Background()); last == nil || !last.OK || last.Seq != head.Seq {
		t.Fatalf("last after the run: %+v", last)
	}

	// Break event 17; a new run finds it, and the checkpointer is told.
	v.cat.events[16].Actor = "user:mallory"
	var broken *Problem
	jobs2 := NewVerifyJobs(context.Background(), VerifyJobsConfig{Store: v.cat, Blobs: v.blobs,
		Key: func() ed25519.PublicKey { return v.pub }, Broken: func(p Problem) { broken = &p }})
	defer jobs2.Close()
	if _, err := jobs2.Start("user:al"); err != nil {
		t.Fatal(err)
	}
	jobs2.Wait()
	res := jobs2.Progress().Result
	if res == nil || res.OK || res.FirstSeq != 17 || broken == nil || broken.Seq != 17 {
		t.Fatalf("a run over a broken log: %+v, told %+v", res, broken)
	}
	// The first manager, still alive, reads the newer event from the log.
	if last, _ := jobs.Last(context.Background()); last == nil || last.OK || last.FirstSeq != 17 {
		t.Fatalf("last seen by the other manager: %+v", last)
	}
	// A restart: a new manager finds it reading the log backwards.
	jobs3 := NewVerifyJobs(context.Background(), VerifyJobsConfig{Store: v.cat})
	defer jobs3.Close()
	if last, _ := jobs3.Last(context.Background()); last == nil || last.OK || last.FirstSeq != 17 || !strings.Contains(last.FirstProblem, "17") {
		t.Fatalf("last after a restart: %+v", last)
	}
}

// TestVerifyJobsClose: Close cancels the run in progress; it records no result.
func TestVerifyJobsClose(t *testing.T) {
	v := newTestVault(t, 50, 1)
	gated := &gatedStore{VerifyStore: v.cat, gate: make(chan struct{}), reading: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	jobs := NewVerifyJobs(ctx, VerifyJobsConfig{Store: gated, Blobs: v.blobs, Key: func() ed25519.PublicKey { return v.pub }})
	if _, err := jobs.Start("user:al"); err != nil {
		t.Fatal(err)
	}
	<-gated.reading
	cancel()
	close(gated.gate)
	jobs.Close()
	pr := jobs.Progress()
	if pr.Running || pr.Result != nil || pr.Error == "" {
		t.Fatalf("a cancelled run: %+v", pr)
	}
	if head, _ := v.cat.AuditHead(context.Background()); head.Action == callvault.ActionAuditVerify {
		t.Fatal("a cancelled run recorded a result")
	}
	if _, err := jobs.Start("user:al"); !callvault.IsKind(err, callvault.KindUnavailable) {
		t.Fatalf("a start after Close: %v", err)
	}
}

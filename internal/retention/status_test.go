package retention_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/archive/archivetest"
	"github.com/callvault/callvault/internal/retention"
)

// failingBlobs is a blob store whose deletes fail, so that a sweep fails.
type failingBlobs struct{ callvault.BlobStore }

func (failingBlobs) Delete(context.Context, string) error {
	return callvault.WrapError(callvault.KindUnavailable, errors.New("connection refused"), "the blob store is unavailable")
}

func TestStatusAfterSweeps(t *testing.T) {
	f := archivetest.New(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	clock := now
	tick := func() time.Time { return clock }
	old := now.AddDate(0, -8, 0)
	held, _ := ingestParty(t, f.Service, 1, old), ingestParty(t, f.Service, 2, old.Add(time.Hour))
	ingestParty(t, f.Service, 3, now.AddDate(0, -1, 0))
	holds := &retention.Holds{Store: f.DB, Now: tick}
	h, err := holds.Place(ctx, retention.PlaceRequest{RecordingID: held.ID, Reason: "complaint 17", CaseID: "C-17", ReviewAt: now.AddDate(0, 1, 0), Actor: "dpo"})
	if err != nil {
		t.Fatal(err)
	}
	reader := &retention.Reader{Store: f.DB, Holds: f.DB, RetentionMonths: 6, Now: tick}
	st, err := reader.Read(ctx)
	if err != nil || st.ExpiredNotDeleted != 1 || st.HeldExpired != 1 || st.Live != 3 || !st.Healthy || st.LastSweep != nil || st.Oldest.ID != held.ID {
		t.Fatalf("status before any sweep: %+v %v", st, err)
	}

	// A sweep that fails is recorded, and turns the status bad only after FailAfter.
	bad := &retention.Sweeper{Catalogue: f.DB, Blobs: failingBlobs{f.Blobs}, Holds: f.DB, Record: f.DB, Node: "n1", Now: tick}
	if _, err := bad.RunOnce(ctx); err == nil {
		t.Fatal("the sweep over a failing blob store succeeded")
	}
	clock = now.Add(47 * time.Hour)
	st, _ = reader.Read(ctx)
	if !st.Healthy || st.LastFailedSweep == nil || !st.FailingSince.Equal(now) {
		t.Fatalf("status 47 h into failing sweeps: %+v", st)
	}
	clock = now.Add(49 * time.Hour)
	st, _ = reader.Read(ctx)
	if st.Healthy || !strings.Contains(st.Problem, "failed since") || !strings.Contains(st.Problem, "unavailable") {
		t.Fatalf("status 49 h into failing sweeps: %+v", st)
	}

	// A good sweep: nothing expired is left but the held recording, listed with its case.
	good := &retention.Sweeper{Catalogue: f.DB, Blobs: f.Blobs, Holds: f.DB, Record: f.DB, Node: "n2", Now: tick}
	if _, err := good.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	st, err = reader.Read(ctx)
	if err != nil || !st.Healthy || st.ExpiredNotDeleted != 0 || st.HeldExpired != 1 || st.LastSweep == nil || st.LastSweep.Node != "n2" ||
		st.LastSweep.Held != 1 || !st.FailingSince.IsZero() || len(st.Holds) != 1 || st.Holds[0].HoldID != h.ID || st.Holds[0].CaseID != "C-17" {
		t.Fatalf("status after a good sweep: %+v %v", st, err)
	}
	// Sweeps that stop running turn it bad too.
	clock = clock.Add(49 * time.Hour)
	if st, _ = reader.Read(ctx); st.Healthy || !strings.Contains(st.Problem, "no retention sweep has succeeded") {
		t.Fatalf("status when sweeps stopped: %+v", st)
	}
}

package main

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/retention"
)

// runJob runs one run of the background job named name, as its leased runner would.
func runJob(t *testing.T, m *Main, name string) {
	t.Helper()
	for _, j := range m.jobs() {
		if j.name == name {
			if err := j.run(context.Background(), nil); err != nil {
				t.Fatalf("job %s: %v", name, err)
			}
			return
		}
	}
	t.Fatalf("no job %s", name)
}

// The retention job destroys the key epochs it empties in the same run: a month whose
// recordings were all swept, and a month whose only recording left is held (and so on the hold
// key); the held recording still opens. The key-epochs job run after it has nothing left to do.
func TestRetentionJobDestroysEmptiedEpochs(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	m := mainFor(t, "--data", data)
	a := ingestN(t, m, 2, "a", time.Now().AddDate(0, -5, 0))
	b := ingestN(t, m, 2, "b", time.Now().AddDate(0, -4, 0))
	ra, _ := m.Catalogue.Recording(ctx, a[0])
	rb, _ := m.Catalogue.Recording(ctx, b[0])
	if ra.KeyEpoch == rb.KeyEpoch {
		t.Fatalf("both months sealed to %s", ra.KeyEpoch)
	}
	holds, err := m.holdService()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := holds.Place(ctx, retention.PlaceRequest{RecordingID: b[0], Reason: "claim", ReviewAt: time.Now().AddDate(1, 0, 0), Actor: "dpo"}); err != nil {
		t.Fatal(err)
	}

	end, _ := callvault.EpochEnd(rb.KeyEpoch)
	later := end.Add(25 * time.Hour)
	m.Now = func() time.Time { return later }
	m.Epochs.Now = m.Now
	runJob(t, m, retention.LeaseName)
	gone := destroyedEpochs(t, m)
	for _, ep := range []string{ra.KeyEpoch, rb.KeyEpoch} {
		if !gone[ep] {
			t.Errorf("epoch %s not destroyed by the retention job that emptied it (destroyed: %v)", ep, gone)
		}
	}
	for _, id := range append(a, b[1]) {
		if _, err := m.Catalogue.Recording(ctx, id); !callvault.IsKind(err, callvault.KindNotFound) {
			t.Errorf("expired recording %s not swept: %v", id, err)
		}
	}
	if err := openMatches(t, m, b[0]); err != nil {
		t.Fatalf("held recording: %v", err)
	}
	// The compliance status lists them as destroyed, no longer live.
	r, err := m.retentionStatus()
	if err != nil {
		t.Fatal(err)
	}
	st, err := r.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var eps epochStatus
	if err := json.Unmarshal(st.Epochs, &eps); err != nil {
		t.Fatalf("status epochs %s: %v", st.Epochs, err)
	}
	for _, ep := range []string{ra.KeyEpoch, rb.KeyEpoch} {
		if slices.Contains(eps.Live, ep) || !slices.ContainsFunc(eps.Destroyed, func(d destroyedEpoch) bool { return d.Epoch == ep && !d.DestroyedAt.IsZero() }) {
			t.Errorf("compliance status does not show epoch %s destroyed: %s", ep, st.Epochs)
		}
	}
	if !slices.Contains(eps.Live, callvault.HoldEpoch) || !slices.Contains(eps.Live, callvault.EpochFor(later, later)) {
		t.Errorf("compliance status does not show the hold key and this month's epoch live: %s", st.Epochs)
	}
	runJob(t, m, keyEpochsJob)
	if code, out, errOut := cli(t, "audit", "verify", "--data", data); code != 0 {
		t.Fatalf("audit verify: %d %s %s", code, out, errOut)
	}
}

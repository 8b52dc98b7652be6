package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"testing"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/retention"
)

// openMatches opens recording id through the archive and reports whether its audio matches the
// catalogue's hash.
func openMatches(t *testing.T, m *Main, id string) error {
	t.Helper()
	ctx := context.Background()
	r, err := m.Catalogue.Recording(ctx, id)
	if err != nil {
		return err
	}
	au, err := m.Archive.Open(ctx, "test", id, "hold key check")
	if err != nil {
		return err
	}
	defer au.Close()
	got, err := io.ReadAll(io.NewSectionReader(au, 0, au.Size()))
	if err != nil {
		return err
	}
	if sum := sha256.Sum256(got); hex.EncodeToString(sum[:]) != r.PlainSHA256 {
		t.Errorf("recording %s opens to audio that does not match its hash", id)
	}
	return nil
}

func destroyedEpochs(t *testing.T, m *Main) map[string]bool {
	t.Helper()
	done, err := m.Catalogue.(callvault.EpochStore).DestroyedEpochs(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, d := range done {
		out[d.Epoch] = true
	}
	return out
}

// A recording placed on hold leaves its month epoch for the hold key, so the month is destroyed
// on time (its other recordings swept) while the held recording still opens; released, it goes
// back to a month epoch and the next sweep deletes it (it has expired by then), and the audit
// chain, which follows every re-wrap, verifies.
func TestHoldMovesRecordingToHoldKey(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	m := mainFor(t, "--data", data)
	ids := ingestN(t, m, 2, "hk", time.Now().AddDate(0, -5, 0))
	heldID, freeID := ids[0], ids[1]
	rec, err := m.Catalogue.Recording(ctx, heldID)
	if err != nil {
		t.Fatal(err)
	}
	month := rec.KeyEpoch
	if _, ok := callvault.EpochEnd(month); !ok {
		t.Fatalf("recording sealed to %q, want a month epoch", month)
	}

	holds, err := m.holdService()
	if err != nil {
		t.Fatal(err)
	}
	h, err := holds.Place(ctx, retention.PlaceRequest{RecordingID: heldID, Reason: "complaint 17", ReviewAt: time.Now().AddDate(1, 0, 0), Actor: "dpo"})
	if err != nil {
		t.Fatal(err)
	}
	if rec, _ = m.Catalogue.Recording(ctx, heldID); rec.KeyEpoch != callvault.HoldEpoch {
		t.Fatalf("held recording sealed to %q, want the hold key", rec.KeyEpoch)
	}

	// Time passes beyond the month's end: the sweep deletes the other recording and the
	// key-epochs job destroys the month.
	end, _ := callvault.EpochEnd(month)
	later := end.Add(25 * time.Hour)
	m.Now = func() time.Time { return later }
	m.Epochs.Now = m.Now
	if res, err := m.retentionSweep(ctx, nil); err != nil || res.Deleted != 1 {
		t.Fatalf("sweep: %+v %v", res, err)
	}
	if err := m.runKeyEpochs(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if !destroyedEpochs(t, m)[month] {
		t.Fatalf("epoch %s not destroyed though only a held recording (on the hold key) was sealed to it", month)
	}
	if _, err := m.Catalogue.Recording(ctx, freeID); !callvault.IsKind(err, callvault.KindNotFound) {
		t.Fatalf("unheld expired recording not swept: %v", err)
	}
	if err := openMatches(t, m, heldID); err != nil {
		t.Fatalf("held recording after its month was destroyed: %v", err)
	}

	// Released: back to a live month epoch (the current one: it has expired), then swept.
	if _, err := holds.Release(ctx, h.ID, "dpo", "complaint closed"); err != nil {
		t.Fatal(err)
	}
	rec, _ = m.Catalogue.Recording(ctx, heldID)
	if want := callvault.EpochFor(later, later); rec.KeyEpoch != want {
		t.Fatalf("released recording sealed to %q, want %s", rec.KeyEpoch, want)
	}
	if err := openMatches(t, m, heldID); err != nil {
		t.Fatalf("released recording: %v", err)
	}
	if res, err := m.retentionSweep(ctx, nil); err != nil || res.Deleted != 1 {
		t.Fatalf("sweep after release: %+v %v", res, err)
	}
	if code, out, errOut := cli(t, "audit", "verify", "--data", data); code != 0 {
		t.Fatalf("audit verify: %d %s %s", code, out, errOut)
	}
}

// A hold placed where its recording could not be re-wrapped (a node without the key
// directory) is moved to the hold key by the next key-epochs job, and a recording left on the
// hold key after its release goes back to its month.
func TestKeyEpochsJobReconcilesHoldKey(t *testing.T) {
	ctx := context.Background()
	m := mainFor(t, "--data", t.TempDir())
	ids := ingestN(t, m, 1, "rk", time.Now().AddDate(0, -5, 0))
	rec, _ := m.Catalogue.Recording(ctx, ids[0])
	month := rec.KeyEpoch
	bare := &retention.Holds{Store: m.Catalogue.(callvault.HoldStore)} // no re-wrapper
	h, err := bare.Place(ctx, retention.PlaceRequest{RecordingID: ids[0], Reason: "dispute", ReviewAt: time.Now().AddDate(1, 0, 0), Actor: "dpo"})
	if err != nil {
		t.Fatal(err)
	}
	if rec, _ = m.Catalogue.Recording(ctx, ids[0]); rec.KeyEpoch != month {
		t.Fatalf("sealed to %q before the job", rec.KeyEpoch)
	}
	if err := m.runKeyEpochs(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if rec, _ = m.Catalogue.Recording(ctx, ids[0]); rec.KeyEpoch != callvault.HoldEpoch {
		t.Fatalf("held recording sealed to %q after the job, want the hold key", rec.KeyEpoch)
	}
	if _, err := bare.Release(ctx, h.ID, "dpo", "settled"); err != nil {
		t.Fatal(err)
	}
	if err := m.runKeyEpochs(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if rec, _ = m.Catalogue.Recording(ctx, ids[0]); rec.KeyEpoch != month {
		t.Fatalf("released recording sealed to %q after the job, want %s", rec.KeyEpoch, month)
	}
	if err := openMatches(t, m, ids[0]); err != nil {
		t.Fatal(err)
	}
}

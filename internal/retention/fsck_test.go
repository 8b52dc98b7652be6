package retention_test

import (
	"context"
	"testing"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/archive/archivetest"
	"github.com/callvault/callvault/internal/retention"
	"github.com/callvault/callvault/internal/vault"
)

// A header that no key of this node opens is a problem of its own, found through the archive's
// open path (the vault keys), never by reading the audio.
func TestFsckHeadersNoKeyOpens(t *testing.T) {
	f := archivetest.New(t)
	ctx := context.Background()
	now := time.Now()
	a, b := ingestParty(t, f.Service, 1, now), ingestParty(t, f.Service, 2, now)
	opener := func(k *vault.Keys) func(*callvault.Recording, callvault.Blob) error {
		return func(r *callvault.Recording, p callvault.Blob) error {
			_, _, err := k.Open(r.KeyEpoch, r.Header, p, p.Size())
			return err
		}
	}
	var got []retention.Problem
	fsck := &retention.Fsck{Catalogue: f.DB, Blobs: f.Blobs, OpenHeader: opener(f.Service.Keys), Report: func(p retention.Problem) { got = append(got, p) }}
	res, err := fsck.Run(ctx)
	if err != nil || res.Problems != 0 || res.Recordings != 2 || res.Blobs != 2 || !res.HeadersChecked {
		t.Fatalf("fsck with the vault's keys: %+v %v %v", res, got, err)
	}
	other, err := vault.GenerateKeys()
	if err != nil {
		t.Fatal(err)
	}
	fsck.OpenHeader = opener(other)
	res, err = fsck.Run(ctx)
	if err != nil || res.Problems != 2 || len(got) != 2 {
		t.Fatalf("fsck with another vault's keys: %+v %v %v", res, got, err)
	}
	for i, r := range []*callvault.Recording{a, b} {
		if got[i].Kind != retention.ProblemHeader || got[i].RecordingID != r.ID {
			t.Errorf("problem %d = %+v, want a header problem of %s", i, got[i], r.ID)
		}
	}
}

package audit

import (
	"context"
	"crypto/ed25519"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/callvault/callvault"
)

func TestSignAndVerifyCheckpoint(t *testing.T) {
	pub, key, _ := ed25519.GenerateKey(nil)
	otherPub, _, _ := ed25519.GenerateKey(nil)
	cp := SignCheckpoint(key, 42, callvault.GenesisHash, time.Date(2026, 1, 2, 3, 4, 5, 678912345, time.FixedZone("x", 3600)))
	if cp.Time.Location() != time.UTC || cp.Time.Nanosecond() != 678912000 {
		t.Errorf("checkpoint time %v is not UTC microseconds", cp.Time)
	}
	if cp.KeyID != KeyID(pub) || len(cp.KeyID) != 16 {
		t.Errorf("KeyID %q", cp.KeyID)
	}
	if err := VerifyCheckpoint(cp, pub); err != nil {
		t.Errorf("valid checkpoint: %v", err)
	}
	if err := VerifyCheckpoint(cp, otherPub, pub); err != nil {
		t.Errorf("valid checkpoint among several keys: %v", err)
	}
	if err := VerifyCheckpoint(cp, otherPub); !callvault.IsKind(err, callvault.KindInvalid) {
		t.Errorf("unknown key: err = %v", err)
	}
	for name, edit := range map[string]func(c *callvault.Checkpoint){
		"seq":       func(c *callvault.Checkpoint) { c.Seq++ },
		"hash":      func(c *callvault.Checkpoint) { c.Hash = "1" + c.Hash[1:] },
		"time":      func(c *callvault.Checkpoint) { c.Time = c.Time.Add(time.Microsecond) },
		"signature": func(c *callvault.Checkpoint) { c.Signature = "AAAA" + c.Signature[4:] },
		"base64":    func(c *callvault.Checkpoint) { c.Signature = "!!" },
	} {
		c := *cp
		edit(&c)
		if err := VerifyCheckpoint(&c, pub); !callvault.IsKind(err, callvault.KindInvalid) {
			t.Errorf("%s edited: err = %v, want KindInvalid", name, err)
		}
	}
}

func TestCheckpointerEvery(t *testing.T) {
	ctx := context.Background()
	cat := newFakeCatalogue()
	_, key, _ := ed25519.GenerateKey(nil)
	now := time.Date(2026, 11, 3, 12, 0, 0, 0, time.UTC)
	c := &Checkpointer{Store: cat, Key: key, Every: 5, Now: func() time.Time { return now }}

	if err := c.MaybeCheckpoint(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	if len(cat.checkpoints) != 0 {
		t.Fatal("checkpointed an empty log")
	}
	var seqs []int64
	for i := 1; i <= 12; i++ {
		cat.AppendAudit(ctx, &callvault.AuditEvent{Time: now, Actor: "system", Action: callvault.ActionServerStart})
		if err := c.MaybeCheckpoint(ctx); err != nil {
			t.Fatal(err)
		}
	}
	for _, cp := range cat.checkpoints {
		seqs = append(seqs, cp.Seq)
		if cp.Hash != cat.events[cp.Seq-1].Hash || !cp.Time.Equal(now) {
			t.Errorf("checkpoint %d: hash or time wrong", cp.Seq)
		}
		if err := VerifyCheckpoint(cp, key.Public().(ed25519.PublicKey)); err != nil {
			t.Error(err)
		}
	}
	if len(seqs) != 2 || seqs[0] != 5 || seqs[1] != 10 {
		t.Errorf("checkpoints at %v, want [5 10]", seqs)
	}

	// At shutdown: a checkpoint of the head if it moved, and only then.
	if err := c.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(cat.checkpoints); n != 3 || cat.checkpoints[2].Seq != 12 {
		t.Errorf("after Checkpoint: %d checkpoints, last at %d; want 3, 12", n, cat.checkpoints[n-1].Seq)
	}

	// A new process picks up where the last checkpoint left off.
	c2 := &Checkpointer{Store: cat, Key: key, Every: 5}
	for range 4 {
		cat.AppendAudit(ctx, &callvault.AuditEvent{Time: now, Actor: "system", Action: callvault.ActionServerStart})
		c2.MaybeCheckpoint(ctx)
	}
	if n := len(cat.checkpoints); n != 3 {
		t.Errorf("restarted checkpointer wrote at %d, before Every events passed", cat.checkpoints[n-1].Seq)
	}
	cat.AppendAudit(ctx, &callvault.AuditEvent{Time: now, Actor: "system", Action: callvault.ActionServerStart})
	c2.MaybeCheckpoint(ctx)
	if n := len(cat.checkpoints); n != 4 || cat.checkpoints[3].Seq != 17 {
		t.Errorf("restarted checkpointer: %d checkpoints, want a 4th at 17", n)
	}
}

func TestCheckpointerDefaultsAndErrors(t *testing.T) {
	ctx := context.Background()
	cat := newFakeCatalogue()
	_, key, _ := ed25519.GenerateKey(nil)
	c := &Checkpointer{Store: cat, Key: key}
	for range DefaultEvery - 1 {
		cat.AppendAudit(ctx, &callvault.AuditEvent{Time: t0, Actor: "system", Action: callvault.ActionServerStart})
	}
	c.MaybeCheckpoint(ctx)
	if len(cat.checkpoints) != 0 {
		t.Errorf("checkpoint before DefaultEvery events")
	}
	cat.AppendAudit(ctx, &callvault.AuditEvent{Time: t0, Actor: "system", Action: callvault.ActionServerStart})
	c.MaybeCheckpoint(ctx)
	if len(cat.checkpoints) != 1 {
		t.Errorf("no checkpoint at DefaultEvery events")
	}

	// Another node checkpointed the same head first: not an error.
	cat.AppendAudit(ctx, &callvault.AuditEvent{Time: t0, Actor: "system", Action: callvault.ActionServerStart})
	other := &Checkpointer{Store: cat, Key: key}
	if err := other.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.Checkpoint(ctx); err != nil {
		t.Errorf("conflicting checkpoint: %v", err)
	}
	if len(cat.checkpoints) != 2 {
		t.Errorf("%d checkpoints, want 2", len(cat.checkpoints))
	}

	// A forged checkpoint far ahead does not silence this node's checkpoints.
	_, mallory, _ := ed25519.GenerateKey(nil)
	cat.AddCheckpoint(ctx, SignCheckpoint(mallory, 1_000_000, callvault.GenesisHash, t0))
	fresh := &Checkpointer{Store: cat, Key: key, Every: 1}
	cat.AppendAudit(ctx, &callvault.AuditEvent{Time: t0, Actor: "system", Action: callvault.ActionServerStart})
	if err := fresh.MaybeCheckpoint(ctx); err != nil {
		t.Fatal(err)
	}
	if len(cat.checkpoints) != 4 {
		t.Errorf("forged checkpoint silenced the checkpointer: %d checkpoints", len(cat.checkpoints))
	}

	if err := (&Checkpointer{Store: cat}).Checkpoint(ctx); !callvault.IsKind(err, callvault.KindInternal) {
		t.Errorf("no key: err = %v", err)
	}
}

func TestCheckpointerConcurrent(t *testing.T) {
	ctx := context.Background()
	cat := newFakeCatalogue()
	pub, key, _ := ed25519.GenerateKey(nil)
	c := &Checkpointer{Store: cat, Key: key, Every: 7}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 50 {
				cat.AppendAudit(ctx, &callvault.AuditEvent{Time: t0, Actor: "system", Action: callvault.ActionRecordingOpen})
				if err := c.MaybeCheckpoint(ctx); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if err := c.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	prev := int64(0)
	for _, cp := range cat.checkpoints {
		if cp.Seq < prev+7 && cp.Seq != 200 {
			t.Errorf("checkpoint %d only %d events after %d", cp.Seq, cp.Seq-prev, prev)
		}
		prev = cp.Seq
	}
	if prev != 200 {
		t.Errorf("last checkpoint at %d, want the head 200", prev)
	}
	rep, err := Verify(ctx, cat, nil, pub, VerifyOptions{SkipBlobs: true})
	if err != nil || !rep.OK() {
		t.Fatalf("verify after concurrent use: %v%s", err, problemsString(rep))
	}
}

// TestCheckpointHead: a checkpoint of the head is signed even if the head has one, so that its
// time dates an export; the log is checked first as for every checkpoint.
func TestCheckpointHead(t *testing.T) {
	ctx := context.Background()
	v, w := witnessedVault(t, 20) // checkpoints at 10 and 20
	clock := t0.Add(time.Hour)
	v.cp.Now = func() time.Time { return clock }
	if err := v.cp.Checkpoint(ctx); err != nil || len(readWitness(t, w)) != 2 {
		t.Fatalf("Checkpoint at a checkpointed head: %v, %d checkpoints; want none new", err, len(readWitness(t, w)))
	}
	if err := v.cp.CheckpointHead(ctx); err != nil {
		t.Fatal(err)
	}
	// (The fake catalogue, like a node that lost the race, refuses a second checkpoint of a seq;
	// the witness shows what was signed.)
	cps := readWitness(t, w)
	if n := len(cps); n != 3 || cps[2].Seq != 20 || !cps[2].Time.Equal(clock) {
		t.Fatalf("CheckpointHead: %d checkpoints, last %+v; want a third at 20 signed now", n, cps[n-1])
	}
	v.cat.events[19].Actor = "user:mallory"
	if err := v.cp.CheckpointHead(ctx); !errors.Is(err, ErrRefused) {
		t.Errorf("CheckpointHead over an edited head: err = %v, want a refusal", err)
	}
}

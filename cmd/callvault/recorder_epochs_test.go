package main

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/retention"
	"github.com/callvault/callvault/internal/vault"
)

// A recorder-only node (--recipient, no key directory) does no epoch work: it creates no
// identity, runs no key-epochs job (and so never takes its lease from a node that can do the
// work), attempts no destruction and logs nothing about epochs; yet it seals each call to the
// right month epoch with the public keys the catalogue records, and honours destructions. A node
// with the key directory, started after it, takes the key-epochs lease and does the work.
func TestRecorderOnlyNodeDoesNoEpochWork(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	keys := filepath.Join(t.TempDir(), "keys")

	// The vault's keys, and epochs recorded since three months ago: the months that have ended
	// since seal nothing and are due for destruction.
	seed := mainFor(t, "--data", data, "--keys", keys)
	from := monthsAgo(3)
	ended := callvault.EpochFor(from, from)
	pastEpochs(t, seed, from)
	seed.Close()
	recipient := filepath.Join(t.TempDir(), vault.RecipientFile)
	if b, err := os.ReadFile(filepath.Join(keys, vault.RecipientFile)); err != nil {
		t.Fatal(err)
	} else if err := os.WriteFile(recipient, b, 0o644); err != nil {
		t.Fatal(err)
	}

	// The recorder-only node starts first, so it would win any lease it competed for.
	var logs syncBuffer
	var mu sync.Mutex
	polled := map[string]bool{}
	rSwept := make(chan struct{})
	var rOnce sync.Once
	r := startServerWith(t, func(m *Main) {
		m.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
		m.onJobPoll = func(job, _ string, held bool) {
			mu.Lock()
			polled[job] = true
			mu.Unlock()
			if job == retention.LeaseName && held {
				rOnce.Do(func() { close(rSwept) })
			}
		}
	}, "--data", data, "--recipient", recipient, "--lease-ttl", "2s")
	if r.main.Keys.CanOpen() || r.main.Keys.HasEpochSeed() || !r.main.Keys.SealsToEpochs() {
		t.Fatalf("recorder-only keys: open %v, seed %v, seals to epochs %v", r.main.Keys.CanOpen(), r.main.Keys.HasEpochSeed(), r.main.Keys.SealsToEpochs())
	}
	for _, j := range r.main.jobs() {
		if j.name == keyEpochsJob {
			t.Errorf("the recorder-only node runs the %s job", keyEpochsJob)
		}
	}
	<-rSwept // its jobs are running (it holds the retention lease)

	// It seals with public keys alone, each call to its retention-end month; a call that
	// arrives past its retention goes to the current month.
	now := time.Now()
	inRetention := ingestN(t, r.main, 1, "rec-live", now)[0]
	expired := ingestN(t, r.main, 1, "rec-old", now.AddDate(-1, 0, 0))[0]
	for id, want := range map[string]string{
		inRetention: callvault.EpochFor(now.AddDate(0, r.main.Config.RetentionMonths, 0), now),
		expired:     callvault.EpochFor(now, now),
	} {
		rec, err := r.main.Catalogue.Recording(ctx, id)
		if err != nil || rec.KeyEpoch != want {
			t.Fatalf("recording %s sealed to %q (%v), want %s", id, rec.KeyEpoch, err, want)
		}
	}

	// The node with the key directory does the epoch work: it takes the key-epochs lease
	// and destroys the months that ended.
	var aOnce sync.Once
	aRan := make(chan struct{})
	a := startServerWith(t, func(m *Main) {
		m.onJobPoll = func(job, _ string, held bool) {
			if job == keyEpochsJob && held {
				aOnce.Do(func() { close(aRan) })
			}
		}
	}, "--data", data, "--keys", keys, "--lease-ttl", "2s")
	select {
	case <-aRan:
	case <-time.After(time.Minute):
		t.Fatalf("the node with the keys never got the %s lease", keyEpochsJob)
	}
	if !destroyedEpochs(t, a.main)[ended] {
		t.Fatalf("epoch %s, ended and empty, not destroyed by the node holding the %s lease", ended, keyEpochsJob)
	}
	for _, id := range []string{inRetention, expired} {
		if err := openMatches(t, a.main, id); err != nil {
			t.Errorf("recording %s sealed by the recorder-only node: %v", id, err)
		}
	}

	// The recorder-only node learns the destruction and refuses the month from then on.
	if _, err := r.main.Epochs.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := r.main.Keys.Recipient(ended); !callvault.IsKind(err, callvault.KindConflict) {
		t.Errorf("the recorder-only node still seals to the destroyed %s: %v", ended, err)
	}
	// No key was created in the recorder-only node's name.
	for _, ev := range events(t, a.main, callvault.ActionKeyCreate) {
		if strings.Contains(ev.Detail, r.main.Config.KeysDir()) {
			t.Errorf("key created by the recorder-only node: %+v", ev)
		}
	}
	r.stop()
	a.stop()

	mu.Lock()
	if polled[keyEpochsJob] {
		t.Errorf("the recorder-only node competed for the %s lease", keyEpochsJob)
	}
	mu.Unlock()
	if _, err := os.Stat(r.main.Config.KeysDir()); !os.IsNotExist(err) {
		t.Errorf("the recorder-only node made a key directory %s: %v", r.main.Config.KeysDir(), err)
	}
	for _, line := range strings.Split(logs.String(), "\n") {
		if strings.Contains(line, "epoch") {
			t.Errorf("the recorder-only node logged about key epochs: %s", line)
		}
	}
}

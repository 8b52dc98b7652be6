package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/callvault/callvault"
)

// Two nodes of one vault, each with its own copy of the key directory (copied once, before
// anything was destroyed): node A's key-epochs job destroys the months that have ended; node B
// learns it from the catalogue at its next sync, or at its next start, and deletes its copy.
func TestEpochDestructionIsHonouredByASecondNode(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	a := mainFor(t, "--data", data)
	keysA := a.Config.KeysDir()
	keysB := filepath.Join(t.TempDir(), "keys-b")
	keysC := filepath.Join(t.TempDir(), "keys-c")
	for _, to := range []string{keysB, keysC} {
		if out, err := exec.Command("cp", "-a", keysA, to).CombinedOutput(); err != nil {
			t.Fatalf("cp: %v %s", err, out)
		}
	}
	b := mainFor(t, "--data", data, "--keys", keysB)

	// This month's and next month's identities, as both nodes derive them.
	now := time.Now().In(callvault.DefaultZone())
	thisMonth := callvault.EpochFor(now, now)
	next := callvault.EpochFor(now.AddDate(0, 1, 0), now.AddDate(0, 1, 0))
	secret := map[string]string{}
	for _, ep := range []string{thisMonth, next} {
		ia, err := a.Keys.Identity(ep)
		if err != nil {
			t.Fatal(err)
		}
		ib, err := b.Keys.Identity(ep)
		if err != nil {
			t.Fatal(err)
		}
		if ia.(*age.HybridIdentity).String() != ib.(*age.HybridIdentity).String() {
			t.Fatalf("the two nodes derive different identities for %s", ep)
		}
		secret[ep] = ia.(*age.HybridIdentity).String()
	}

	// Time passes on node A: this month ends, with nothing sealed to it.
	end, _ := callvault.EpochEnd(thisMonth)
	a.Epochs.Now = func() time.Time { return end.Add(25 * time.Hour) }
	if err := a.runKeyEpochs(ctx, nil); err != nil {
		t.Fatal(err)
	}
	destroyed, err := a.Catalogue.(callvault.EpochStore).DestroyedEpochs(ctx)
	if err != nil || len(destroyed) == 0 || destroyed[len(destroyed)-1].Epoch != thisMonth || !strings.HasPrefix(destroyed[len(destroyed)-1].Recipient, "age1pq1") {
		t.Fatalf("destructions recorded: %+v %v", destroyed, err)
	}
	if hits := grepDir(t, keysA, []byte(secret[thisMonth])); len(hits) > 0 {
		t.Errorf("node A still holds %s's identity in %v", thisMonth, hits)
	}
	// Node B has not synced yet: it still opens the month; its next sync deletes its copy.
	if _, err := b.Keys.Identity(thisMonth); err != nil {
		t.Fatalf("node B before its sync: %v", err)
	}
	removed, err := b.Epochs.Sync(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(removed, " "), thisMonth) {
		t.Errorf("node B's sync removed %v, want %s among them", removed, thisMonth)
	}
	for name, m := range map[string]*Main{"A": a, "B": b} {
		if _, err := m.Keys.Identity(thisMonth); !callvault.IsKind(err, callvault.KindNotFound) {
			t.Errorf("node %s still opens %s: %v", name, thisMonth, err)
		}
		if _, err := m.Keys.Recipient(thisMonth); !callvault.IsKind(err, callvault.KindConflict) {
			t.Errorf("node %s still seals to %s: %v", name, thisMonth, err)
		}
		id, err := m.Keys.Identity(next)
		if err != nil || id.(*age.HybridIdentity).String() != secret[next] {
			t.Errorf("node %s lost the live month %s: %v", name, next, err)
		}
	}
	seedA, _ := os.ReadFile(filepath.Join(keysA, "epochs", "seed"))
	seedB, _ := os.ReadFile(filepath.Join(keysB, "epochs", "seed"))
	if string(seedA) != string(seedB) {
		t.Error("the two nodes' seeds differ after the destruction")
	}

	// Node C, a copy taken before the destruction, deletes it on sight when it starts.
	c := mainFor(t, "--data", data, "--keys", keysC)
	if _, err := c.Keys.Identity(thisMonth); !callvault.IsKind(err, callvault.KindNotFound) {
		t.Errorf("node C, started after the destruction, opens %s: %v", thisMonth, err)
	}
	seedC, _ := os.ReadFile(filepath.Join(keysC, "epochs", "seed"))
	if string(seedC) != string(seedA) {
		t.Error("node C's seed was not advanced at start")
	}
	if code, out, errOut := cli(t, "audit", "verify", "--data", data); code != 0 {
		t.Errorf("audit verify: %d %s %s", code, out, errOut)
	}
}

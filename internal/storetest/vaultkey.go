package storetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/callvault/callvault"
	"github.com/google/go-cmp/cmp"
)

// keyStore returns a fresh catalogue as the KeyStore every backend must be.
func keyStore(t *testing.T, open Opener) (callvault.Catalogue, callvault.KeyStore) {
	t.Helper()
	cat := open(t)
	ks, ok := cat.(callvault.KeyStore)
	if !ok {
		t.Fatalf("%T does not implement callvault.KeyStore; every catalogue backend must", cat)
	}
	return cat, ks
}

func vaultKey(kind callvault.VaultKeyKind, epoch, public string) *callvault.VaultKey {
	return &callvault.VaultKey{Kind: kind, Epoch: epoch, Public: public, CreatedAt: base}
}

func vaultKeys(t *testing.T, ks callvault.KeyStore) []*callvault.VaultKey {
	t.Helper()
	got, err := ks.VaultKeys(ctx())
	if err != nil {
		t.Fatalf("VaultKeys: %v", err)
	}
	return got
}

func testVaultKeys(t *testing.T, open Opener) {
	t.Run("RecordOnceNeverReplace", func(t *testing.T) {
		cat, ks := keyStore(t, open)
		if got := vaultKeys(t, ks); len(got) != 0 {
			t.Fatalf("VaultKeys of a new catalogue = %+v, want none", got)
		}
		recipient := vaultKey(callvault.VaultKeyRecipient, "", "age1pq1first")
		verify := vaultKey(callvault.VaultKeyAuditVerify, "", "bXkgdmVyaWZ5IGtleQ==")
		ev := newEvent(callvault.ActionKeyRecord, "vault")
		if err := ks.AddVaultKeys(ctx(), []*callvault.VaultKey{recipient, verify}, ev); err != nil {
			t.Fatalf("AddVaultKeys: %v", err)
		}
		if ev.Seq != 1 || ev.Hash == "" {
			t.Errorf("AddVaultKeys did not seal its event: seq %d hash %q", ev.Seq, ev.Hash)
		}
		want := []*callvault.VaultKey{verify, recipient} // by kind: audit-verify before recipient
		if diff := cmp.Diff(want, vaultKeys(t, ks), cmpOpts); diff != "" {
			t.Fatalf("VaultKeys (-want +got):\n%s", diff)
		}

		// A batch naming a recorded kind and epoch writes nothing, not even its new keys.
		month := vaultKey(callvault.VaultKeyRecipient, "2026-11", "age1pq1month")
		err := ks.AddVaultKeys(ctx(), []*callvault.VaultKey{month, vaultKey(callvault.VaultKeyRecipient, "", "age1pq1other")},
			newEvent(callvault.ActionKeyRecord, "vault"))
		wantKind(t, err, callvault.KindConflict, "AddVaultKeys(a recorded recipient, other value)")
		err = ks.AddVaultKeys(ctx(), []*callvault.VaultKey{vaultKey(callvault.VaultKeyAuditVerify, "", "bXkgdmVyaWZ5IGtleQ==")},
			newEvent(callvault.ActionKeyRecord, "vault"))
		wantKind(t, err, callvault.KindConflict, "AddVaultKeys(the recorded verify key again)")
		if diff := cmp.Diff(want, vaultKeys(t, ks), cmpOpts); diff != "" {
			t.Fatalf("VaultKeys after refused adds (-want +got):\n%s", diff)
		}

		// A later epoch is one more record.
		if err := ks.AddVaultKeys(ctx(), []*callvault.VaultKey{month}, newEvent(callvault.ActionKeyRecord, "vault")); err != nil {
			t.Fatalf("AddVaultKeys(new epoch): %v", err)
		}
		want = append(want, month)
		if diff := cmp.Diff(want, vaultKeys(t, ks), cmpOpts); diff != "" {
			t.Fatalf("VaultKeys with a second epoch (-want +got):\n%s", diff)
		}
		evs := allEvents(t, cat)
		if len(evs) != 2 || evs[1].Action != callvault.ActionKeyRecord {
			t.Errorf("audit log %+v, want two key.record events (refused adds append nothing)", evs)
		}
	})

	t.Run("Invalid", func(t *testing.T) {
		cat, ks := keyStore(t, open)
		for name, k := range map[string]*callvault.VaultKey{
			"unknown kind":          vaultKey("private", "", "x"),
			"no public value":       vaultKey(callvault.VaultKeyRecipient, "", ""),
			"verify key with epoch": vaultKey(callvault.VaultKeyAuditVerify, "2026-11", "x"),
		} {
			err := ks.AddVaultKeys(ctx(), []*callvault.VaultKey{k}, newEvent(callvault.ActionKeyRecord, "vault"))
			wantKind(t, err, callvault.KindInvalid, "AddVaultKeys("+name+")")
		}
		err := ks.AddVaultKeys(ctx(), []*callvault.VaultKey{vaultKey(callvault.VaultKeyRecipient, "", "age1pq1x")}, nil)
		wantKind(t, err, callvault.KindInvalid, "AddVaultKeys(no audit event)")
		if got := vaultKeys(t, ks); len(got) != 0 {
			t.Errorf("invalid adds recorded %+v", got)
		}
		if evs := allEvents(t, cat); len(evs) != 0 {
			t.Errorf("invalid adds appended %d events", len(evs))
		}
	})

	t.Run("ConcurrentFirstRecord", func(t *testing.T) {
		// Nodes starting a new vault at once: exactly one record wins, the others learn of it.
		_, ks := keyStore(t, open)
		const n = 8
		var (
			wg    sync.WaitGroup
			start = make(chan struct{})
			errs  = make([]error, n)
		)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				errs[i] = ks.AddVaultKeys(ctx(), []*callvault.VaultKey{vaultKey(callvault.VaultKeyRecipient, "", fmt.Sprintf("age1pq1node%d", i))},
					newEvent(callvault.ActionKeyRecord, "vault"))
			}()
		}
		close(start)
		wg.Wait()
		winner := -1
		for i, err := range errs {
			switch {
			case err == nil:
				if winner >= 0 {
					t.Errorf("nodes %d and %d both recorded the vault key", winner, i)
				}
				winner = i
			case !callvault.IsKind(err, callvault.KindConflict):
				t.Errorf("AddVaultKeys #%d: %v, want nil or conflict", i, err)
			}
		}
		got := vaultKeys(t, ks)
		if winner < 0 || len(got) != 1 || got[0].Public != fmt.Sprintf("age1pq1node%d", winner) {
			t.Errorf("recorded %+v, want exactly the winner's (node %d)", got, winner)
		}
	})
}

func testImportVaultKey(t *testing.T, open Opener) {
	cat, imp := importer(t, open)
	ks := cat.(callvault.KeyStore)
	k := vaultKey(callvault.VaultKeyRecipient, "", "age1pq1imported")
	k.CreatedAt = base.Add(-time.Hour)
	if err := imp.ImportVaultKey(ctx(), k); err != nil {
		t.Fatalf("ImportVaultKey: %v", err)
	}
	if diff := cmp.Diff([]*callvault.VaultKey{k}, vaultKeys(t, ks), cmpOpts); diff != "" {
		t.Errorf("imported key (-want +got):\n%s", diff)
	}
	err := imp.ImportVaultKey(ctx(), vaultKey(callvault.VaultKeyRecipient, "", "age1pq1other"))
	wantKind(t, err, callvault.KindConflict, "ImportVaultKey(recorded kind and epoch)")
	err = imp.ImportVaultKey(ctx(), vaultKey(callvault.VaultKeyAuditVerify, "", ""))
	wantKind(t, err, callvault.KindInvalid, "ImportVaultKey(no public value)")
	if head, err := cat.AuditHead(ctx()); err != nil || head != nil {
		t.Errorf("ImportVaultKey appended to the audit log: head %+v, %v", head, err)
	}
}

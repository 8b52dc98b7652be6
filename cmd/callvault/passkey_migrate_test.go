package main

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/identity"
)

// TestMigrateCarriesPasskeys: callvault migrate copies each person's passkeys with their
// signature counters, so a manager keeps her second factor on the new installation and an old
// counter does not pass there again.
func TestMigrateCarriesPasskeys(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	src := mainFor(t, "--data", data)
	u, _, err := src.Identity.AddUser(ctx, callvault.Operator("cli:test"), identity.NewUser{Name: "mia", Roles: []callvault.Role{callvault.RoleManager},
		Password: "tortoise lamp river 42"})
	if err != nil {
		t.Fatal(err)
	}
	used := time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)
	key := &callvault.Passkey{ID: "cred-1", UserID: u.ID, Name: "work laptop", Credential: []byte(`{"id":"Y3JlZC0x"}`),
		SignCount: 17, CreatedAt: used.Add(-time.Hour), LastUsedAt: &used}
	store := src.Catalogue.(callvault.PasskeyStore)
	if err := store.CreatePasskey(ctx, key, &callvault.AuditEvent{Time: time.Now(), Actor: string(u.Actor()),
		Action: callvault.ActionPasskeyRegister, Object: "user:" + u.ID}); err != nil {
		t.Fatal(err)
	}

	dstCfg := embeddedTarget(t)
	rep, err := migrate(ctx, src, dstCfg, "cli:test", func(int, int) {})
	if err != nil {
		t.Fatalf("migrate: %v", err)
	}
	if rep.People != 2 { // the user and the passkey
		t.Errorf("migrated %d people objects, want 2", rep.People)
	}
	dst := mainFor(t, "--data", dstCfg.Data, "--keys", filepath.Join(data, "keys"))
	got, err := dst.Catalogue.(callvault.PasskeyStore).Passkeys(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]*callvault.Passkey{key}, got); diff != "" {
		t.Errorf("passkeys on the target (-want +got):\n%s", diff)
	}
}

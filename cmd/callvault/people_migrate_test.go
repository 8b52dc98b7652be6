package main

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/access"
	"github.com/callvault/callvault/internal/identity"
)

// TestMigrateCarriesPeople: users (with their passwords and second factors), access requests,
// their grants and the DPO's delegations move with the vault; a second run copies nothing more.
func TestMigrateCarriesPeople(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	src := mainFor(t, "--data", data)
	ids := ingestN(t, src, 2, "people", time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC))
	const pw = "tortoise lamp river 42"
	principal := func(m *Main, name string, roles ...callvault.Role) *callvault.Principal {
		t.Helper()
		if _, _, err := m.Identity.AddUser(ctx, callvault.Operator("cli:test"), identity.NewUser{Name: name, Roles: roles, Password: pw}); err != nil {
			t.Fatal(err)
		}
		u, _ := m.Identity.Store.UserByName(ctx, name)
		return &callvault.Principal{Kind: callvault.PrincipalUser, ID: u.ID, Name: name, Actor: u.Actor(), Roles: roles,
			SecondFactor: true, NoticeAcknowledged: true}
	}
	sam := principal(src, "sam", callvault.RoleStaff)
	mia := principal(src, "mia", callvault.RoleManager)
	dora := principal(src, "dora", callvault.RoleDPO)
	rec, _ := src.Catalogue.Recording(ctx, ids[0])
	r, err := src.Access.CreateRequest(ctx, sam, access.RequestInput{Purpose: "complaint", Reason: "a complaint about a call",
		CallTime: rec.StartedAt.Format(time.RFC3339)})
	if err != nil {
		t.Fatal(err)
	}
	v, err := src.Access.Approve(ctx, mia, r.ID, access.ApproveInput{Statement: "approved for the complaint", RecordingIDs: []string{ids[0]}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := src.Access.CreateDelegation(ctx, dora, access.DelegationInput{Delegate: "mia", Until: ptrTime(time.Now().Add(time.Hour)),
		Statement: "mia decides while I am away"}); err != nil {
		t.Fatal(err)
	}

	dstCfg := embeddedTarget(t)
	rep, err := migrate(ctx, src, dstCfg, "cli:test", func(int, int) {})
	if err != nil {
		t.Fatalf("migrate: %v", err)
	}
	if rep.People != 5 { // three users, one request, one delegation
		t.Errorf("migrated %d people objects, want 5", rep.People)
	}
	if rep, err = migrate(ctx, src, dstCfg, "cli:test", func(int, int) {}); err != nil || rep.People != 0 {
		t.Errorf("second run: %d people objects, %v; want none", rep.People, err)
	}
	dst := mainFor(t, "--data", dstCfg.Data, "--keys", filepath.Join(data, "keys"))
	if _, err := dst.Identity.Login(ctx, "sam", pw, "", "127.0.0.1"); err != nil {
		t.Errorf("sign-in on the target: %v", err)
	}
	gs, err := dst.Access.Store.LiveGrants(ctx, sam.ID, ids[0], time.Now())
	if err != nil || len(gs) != 1 || gs[0].ID != v.GrantID {
		t.Errorf("grants on the target: %v, %v", gs, err)
	}
	if ds, err := dst.Access.Store.Delegations(ctx, ""); err != nil || len(ds) != 1 {
		t.Errorf("delegations on the target: %v, %v", ds, err)
	}
}

func ptrTime(t time.Time) *time.Time { return &t }

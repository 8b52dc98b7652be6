package main

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/cases"
	"github.com/callvault/callvault/internal/identity"
	"github.com/google/go-cmp/cmp"
)

// TestMigrateCarriesCases: the DPO's cases move with the vault exactly as they were (open and
// closed, references and history), a second run copies nothing more, and the target numbers
// its next case after them.
func TestMigrateCarriesCases(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	src := mainFor(t, "--data", data)
	if _, _, err := src.Identity.AddUser(ctx, "cli:test", identity.NewUser{Name: "dora", Roles: []callvault.Role{callvault.RoleDPO}, Password: "tortoise lamp river 42"}); err != nil {
		t.Fatal(err)
	}
	u, _ := src.Identity.Store.UserByName(ctx, "dora")
	dora := &callvault.Principal{Kind: callvault.PrincipalUser, ID: u.ID, Name: "dora", Actor: u.Actor(), Roles: []callvault.Role{callvault.RoleDPO},
		SecondFactor: true, NoticeAcknowledged: true}
	day := time.Now().In(callvault.DefaultZone()).Format(time.DateOnly)
	sar, err := src.Cases.Open(ctx, dora, cases.OpenInput{Type: callvault.CaseSubjectAccess, ReceivedAt: day,
		Subjects: callvault.CaseSubjects{Numbers: []string{"07700 900123"}}})
	if err != nil {
		t.Fatal(err)
	}
	cmpl, err := src.Cases.Open(ctx, dora, cases.OpenInput{Type: callvault.CaseComplaint, ReceivedAt: day, Note: "a caller complains"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := src.Cases.Close(ctx, dora, cmpl.ID, cases.CloseInput{Outcome: "resolved"}); err != nil {
		t.Fatal(err)
	}

	dstCfg := embeddedTarget(t)
	rep, err := migrate(ctx, src, dstCfg, "cli:test", func(int, int) {})
	if err != nil {
		t.Fatalf("migrate: %v", err)
	}
	if rep.Cases != 2 {
		t.Errorf("migrated %d cases, want 2", rep.Cases)
	}
	if rep, err = migrate(ctx, src, dstCfg, "cli:test", func(int, int) {}); err != nil || rep.Cases != 0 {
		t.Errorf("second run: %d cases, %v; want none", rep.Cases, err)
	}
	dst := mainFor(t, "--data", dstCfg.Data, "--keys", filepath.Join(data, "keys"))
	for _, id := range []string{sar.ID, cmpl.ID} {
		want, err := src.Catalogue.(callvault.CaseStore).Case(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		got, err := dst.Catalogue.(callvault.CaseStore).Case(ctx, id)
		if err != nil {
			t.Fatalf("case %s on the target: %v", want.Reference, err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("case %s differs on the target (-src +dst):\n%s", want.Reference, diff)
		}
	}
	next, err := dst.Cases.Open(ctx, dora, cases.OpenInput{Type: callvault.CaseSubjectAccess, ReceivedAt: day})
	if err != nil {
		t.Fatal(err)
	}
	if want := callvault.CaseReference("SAR", time.Now().UTC().Year(), 2); next.Reference != want {
		t.Errorf("the target's next SAR is %s, want %s", next.Reference, want)
	}
}

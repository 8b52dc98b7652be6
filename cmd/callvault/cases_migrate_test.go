package main

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/cases"
	"github.com/callvault/callvault/internal/identity"
	"github.com/callvault/callvault/internal/retention"
	"github.com/google/go-cmp/cmp"
)

// TestMigrateCarriesCases: the DPO's cases and the legal holds move with the vault exactly as
// they were (open and closed, references and history; a held recording stays undeletable), a
// second run copies nothing more, and the target numbers its next case after them.
func TestMigrateCarriesCases(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	src := mainFor(t, "--data", data)
	if _, _, err := src.Identity.AddUser(ctx, callvault.Operator("cli:test"), identity.NewUser{Name: "dora", Roles: []callvault.Role{callvault.RoleDPO}, Password: "tortoise lamp river 42"}); err != nil {
		t.Fatal(err)
	}
	u, _ := src.Identity.Store.UserByName(ctx, "dora")
	dora := &callvault.Principal{Kind: callvault.PrincipalUser, ID: u.ID, Name: "dora", Actor: u.Actor(), Roles: []callvault.Role{callvault.RoleDPO},
		SecondFactor: true, NoticeAcknowledged: true}
	ids := ingestN(t, src, 2, "held", time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC))
	holds := &retention.Holds{Store: src.Catalogue.(callvault.HoldStore)}
	held, err := holds.Place(ctx, retention.PlaceRequest{RecordingID: ids[0], Reason: "complaint 17", ReviewAt: time.Now().AddDate(0, 3, 0), Actor: "cli:test"})
	if err != nil {
		t.Fatal(err)
	}
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
	if rep.Cases != 2 || rep.Holds != 1 {
		t.Errorf("migrated %d cases and %d holds, want 2 and 1", rep.Cases, rep.Holds)
	}
	if rep, err = migrate(ctx, src, dstCfg, "cli:test", func(int, int) {}); err != nil || rep.Cases != 0 || rep.Holds != 0 {
		t.Errorf("second run: %d cases, %d holds, %v; want none", rep.Cases, rep.Holds, err)
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
	// The recording held on the source is held on the target: it cannot be deleted there.
	if h, err := dst.Catalogue.(callvault.HoldStore).Hold(ctx, held.ID); err != nil || !h.ReleasedAt.IsZero() || h.RecordingID != ids[0] {
		t.Errorf("the hold on the target: %+v, %v", h, err)
	}
	if err := dst.Catalogue.DeleteRecording(ctx, ids[0], &callvault.AuditEvent{Time: time.Now(), Actor: "test", Action: callvault.ActionRecordingDelete,
		Object: "recording:" + ids[0]}); !callvault.IsKind(err, callvault.KindConflict) {
		t.Errorf("deleting the held recording on the target: %v, want a conflict", err)
	}
	next, err := dst.Cases.Open(ctx, dora, cases.OpenInput{Type: callvault.CaseSubjectAccess, ReceivedAt: day})
	if err != nil {
		t.Fatal(err)
	}
	if want := callvault.CaseReference("SAR", time.Now().UTC().Year(), 2); next.Reference != want {
		t.Errorf("the target's next SAR is %s, want %s", next.Reference, want)
	}
}

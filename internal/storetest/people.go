package storetest

import (
	"sync"
	"testing"
	"time"

	"github.com/callvault/callvault"
	"github.com/google/go-cmp/cmp"
)

// people returns a fresh catalogue as the PeopleStore every backend must be.
func people(t *testing.T, open Opener) (callvault.Catalogue, callvault.PeopleStore) {
	t.Helper()
	cat := open(t)
	ps, ok := cat.(callvault.PeopleStore)
	if !ok {
		t.Fatalf("%T does not implement callvault.PeopleStore; every catalogue backend must", cat)
	}
	return cat, ps
}

func newUser(name string, roles ...callvault.Role) *callvault.User {
	return &callvault.User{ID: callvault.NewID(), Name: name, Email: name + "@example.com", Roles: roles,
		PasswordHash: "$argon2id$v=19$m=65536,t=1,p=2$c2FsdA$aGFzaA", CreatedAt: base}
}

func addUser(t *testing.T, ps callvault.PeopleStore, u *callvault.User) {
	t.Helper()
	if err := ps.CreateUser(ctx(), u, newEvent(callvault.ActionUserCreate, "user:"+u.ID)); err != nil {
		t.Fatalf("CreateUser(%s): %v", u.Name, err)
	}
}

func testUsers(t *testing.T, open Opener) {
	t.Run("Lifecycle", func(t *testing.T) {
		cat, ps := people(t, open)
		u := newUser("mia", callvault.RoleManager, callvault.RoleStaff)
		addUser(t, ps, u)
		for name, get := range map[string]func() (*callvault.User, error){
			"User":       func() (*callvault.User, error) { return ps.User(ctx(), u.ID) },
			"UserByName": func() (*callvault.User, error) { return ps.UserByName(ctx(), "mia") },
		} {
			got, err := get()
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if diff := cmp.Diff(u, got, cmpOpts); diff != "" {
				t.Errorf("%s (-want +got):\n%s", name, diff)
			}
		}
		_, err := ps.UserByName(ctx(), "nobody")
		wantKind(t, err, callvault.KindNotFound, "UserByName(unknown)")
		_, err = ps.UserBySetupHash(ctx(), "")
		wantKind(t, err, callvault.KindNotFound, "UserBySetupHash(empty)")

		dup := newUser("mia", callvault.RoleStaff)
		wantKind(t, ps.CreateUser(ctx(), dup, newEvent(callvault.ActionUserCreate, "x")), callvault.KindConflict, "CreateUser(same name)")
		bad := newUser("bob", "root")
		wantKind(t, ps.CreateUser(ctx(), bad, newEvent(callvault.ActionUserCreate, "x")), callvault.KindInvalid, "CreateUser(bad role)")

		// Every field round-trips through UpdateUser; the version guards concurrent writers.
		got, _ := ps.User(ctx(), u.ID)
		exp := base.Add(time.Hour)
		got.Email, got.SetupHash, got.SetupExpires = "m@example.org", "abc123", &exp
		got.TOTPSecret, got.TOTPConfirmedAt, got.TOTPLastStep = "JBSWY3DPEHPK3PXP", &exp, 12345
		got.RecoveryHashes = []string{"h1", "h2"}
		got.FailedLogins, got.LockedUntil, got.SessionEpoch = 3, &exp, 7
		got.NoticeVersion, got.NoticeAckAt, got.DisabledAt = 2, &exp, &exp
		got.Roles = []callvault.Role{callvault.RoleDirector}
		stale := *got
		if err := ps.UpdateUser(ctx(), got, newEvent(callvault.ActionUserUpdate, "user:"+u.ID)); err != nil {
			t.Fatalf("UpdateUser: %v", err)
		}
		if got.Version != u.Version+1 {
			t.Errorf("UpdateUser left Version %d, want %d", got.Version, u.Version+1)
		}
		again, err := ps.UserBySetupHash(ctx(), "abc123")
		if err != nil {
			t.Fatalf("UserBySetupHash: %v", err)
		}
		if diff := cmp.Diff(got, again, cmpOpts); diff != "" {
			t.Errorf("after UpdateUser (-want +got):\n%s", diff)
		}
		stale.Email = "lost@example.org"
		wantKind(t, ps.UpdateUser(ctx(), &stale, newEvent(callvault.ActionUserUpdate, "x")), callvault.KindConflict, "UpdateUser(stale version)")
		ghost := newUser("ghost", callvault.RoleStaff)
		wantKind(t, ps.UpdateUser(ctx(), ghost, newEvent(callvault.ActionUserUpdate, "x")), callvault.KindNotFound, "UpdateUser(unknown)")
		if n := len(allEvents(t, cat)); n != 2 {
			t.Errorf("audit log has %d events, want 2 (create, update; refused writes append nothing)", n)
		}
		addUser(t, ps, newUser("al", callvault.RoleAuditor))
		all, err := ps.Users(ctx())
		if err != nil || len(all) != 2 || all[0].Name != "al" || all[1].Name != "mia" {
			t.Errorf("Users = %v, %v; want al, mia", all, err)
		}
	})

	t.Run("FirstUserOnce", func(t *testing.T) {
		cat, ps := people(t, open)
		var wg sync.WaitGroup
		errs := make([]error, 4)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				u := newUser("first"+string(rune('a'+i)), callvault.RoleDirector)
				errs[i] = ps.CreateFirstUser(ctx(), u, newEvent(callvault.ActionUserCreate, "user:"+u.ID))
			}()
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			if err == nil {
				ok++
			} else {
				wantKind(t, err, callvault.KindConflict, "CreateFirstUser(second)")
			}
		}
		if ok != 1 {
			t.Fatalf("%d first users created, want exactly 1", ok)
		}
		if n := len(allEvents(t, cat)); n != 1 {
			t.Errorf("audit log has %d events, want 1", n)
		}
	})

	t.Run("Sessions", func(t *testing.T) {
		cat, ps := people(t, open)
		u := newUser("sam", callvault.RoleStaff)
		addUser(t, ps, u)
		s := &callvault.Session{ID: "f00d", UserID: u.ID, CreatedAt: base, LastSeenAt: base, ExpiresAt: base.Add(12 * time.Hour), Epoch: 3}
		if err := ps.CreateSession(ctx(), s, newEvent(callvault.ActionLogin, "user:"+u.ID)); err != nil {
			t.Fatalf("CreateSession: %v", err)
		}
		if err := ps.TouchSession(ctx(), s.ID, base.Add(time.Minute)); err != nil {
			t.Fatalf("TouchSession: %v", err)
		}
		got, err := ps.Session(ctx(), s.ID)
		if err != nil {
			t.Fatalf("Session: %v", err)
		}
		s.LastSeenAt = base.Add(time.Minute)
		if diff := cmp.Diff(s, got, cmpOpts); diff != "" {
			t.Errorf("Session (-want +got):\n%s", diff)
		}
		if err := ps.DeleteSession(ctx(), s.ID, newEvent(callvault.ActionLogout, "user:"+u.ID)); err != nil {
			t.Fatalf("DeleteSession: %v", err)
		}
		_, err = ps.Session(ctx(), s.ID)
		wantKind(t, err, callvault.KindNotFound, "Session(deleted)")
		wantKind(t, ps.DeleteSession(ctx(), s.ID, newEvent(callvault.ActionLogout, "x")), callvault.KindNotFound, "DeleteSession(twice)")
		wantKind(t, ps.TouchSession(ctx(), s.ID, base), callvault.KindNotFound, "TouchSession(deleted)")
		if n := len(allEvents(t, cat)); n != 3 {
			t.Errorf("audit log has %d events, want 3", n)
		}
	})
}

func testAccess(t *testing.T, open Opener) {
	t.Run("RequestDecideGrant", func(t *testing.T) {
		cat, ps := people(t, open)
		staff, mgr := newUser("sam", callvault.RoleStaff), newUser("mia", callvault.RoleManager)
		addUser(t, ps, staff)
		addUser(t, ps, mgr)
		at, from, to := base.Add(time.Hour), base, base.Add(2*time.Hour)
		recA, recB := callvault.NewID(), callvault.NewID()
		r := &callvault.AccessRequest{ID: callvault.NewID(), RequesterID: staff.ID, RequesterName: staff.Name,
			Purpose: callvault.PurposeComplaint, Reason: "customer complaint #12", CallTime: &at, CallFrom: &from, CallTo: &to,
			Extension: "201", ExternalNumber: "+447700900123", Parties: []string{"Jane Doe", "Ann"},
			OtherInformation: "angry", Matched: []string{recA, recB}, Status: callvault.RequestPending, CreatedAt: base}
		if err := ps.CreateAccessRequest(ctx(), r, newEvent(callvault.ActionRequestCreate, "request:"+r.ID)); err != nil {
			t.Fatalf("CreateAccessRequest: %v", err)
		}
		got, err := ps.AccessRequest(ctx(), r.ID)
		if err != nil {
			t.Fatalf("AccessRequest: %v", err)
		}
		if diff := cmp.Diff(r, got, cmpOpts); diff != "" {
			t.Errorf("AccessRequest (-want +got):\n%s", diff)
		}
		other := *r
		other.ID, other.RequesterID, other.CreatedAt, other.Matched = callvault.NewID(), mgr.ID, base.Add(time.Minute), nil
		if err := ps.CreateAccessRequest(ctx(), &other, newEvent(callvault.ActionRequestCreate, "x")); err != nil {
			t.Fatalf("CreateAccessRequest: %v", err)
		}
		mine, err := ps.AccessRequests(ctx(), callvault.AccessRequestFilter{RequesterID: staff.ID})
		if err != nil || len(mine) != 1 || mine[0].ID != r.ID {
			t.Errorf("AccessRequests(mine) = %v, %v", mine, err)
		}
		pending, err := ps.AccessRequests(ctx(), callvault.AccessRequestFilter{Status: callvault.RequestPending})
		if err != nil || len(pending) != 2 || pending[0].ID != other.ID {
			t.Errorf("AccessRequests(pending) = %v, %v; want both, newest first", pending, err)
		}

		decided := base.Add(3 * time.Hour)
		g := &callvault.Grant{ID: callvault.NewID(), RequestID: r.ID, UserID: staff.ID, RecordingIDs: []string{recA},
			Download: true, CreatedAt: decided, ExpiresAt: decided.Add(7 * 24 * time.Hour)}
		r.Status, r.DeciderID, r.DeciderName, r.DecidedAt = callvault.RequestApproved, mgr.ID, mgr.Name, &decided
		r.Statement, r.GrantID = "approved for the complaint", g.ID
		if err := ps.DecideAccessRequest(ctx(), r, g, newEvent(callvault.ActionRequestApprove, "request:"+r.ID)); err != nil {
			t.Fatalf("DecideAccessRequest: %v", err)
		}
		again := *r
		again.Status = callvault.RequestRejected
		wantKind(t, ps.DecideAccessRequest(ctx(), &again, nil, newEvent(callvault.ActionRequestReject, "x")), callvault.KindConflict, "DecideAccessRequest(twice)")
		ghost := again
		ghost.ID = callvault.NewID()
		wantKind(t, ps.DecideAccessRequest(ctx(), &ghost, nil, newEvent(callvault.ActionRequestReject, "x")), callvault.KindNotFound, "DecideAccessRequest(unknown)")
		got, _ = ps.AccessRequest(ctx(), r.ID)
		if diff := cmp.Diff(r, got, cmpOpts); diff != "" {
			t.Errorf("decided request (-want +got):\n%s", diff)
		}
		gg, err := ps.Grant(ctx(), g.ID)
		if err != nil {
			t.Fatalf("Grant: %v", err)
		}
		if diff := cmp.Diff(g, gg, cmpOpts); diff != "" {
			t.Errorf("Grant (-want +got):\n%s", diff)
		}
		live := func(user, rec string, at time.Time) int {
			t.Helper()
			gs, err := ps.LiveGrants(ctx(), user, rec, at)
			if err != nil {
				t.Fatalf("LiveGrants: %v", err)
			}
			return len(gs)
		}
		if live(staff.ID, recA, decided) != 1 || live(staff.ID, recB, decided) != 0 || live(mgr.ID, recA, decided) != 0 ||
			live(staff.ID, recA, g.ExpiresAt) != 0 {
			t.Error("LiveGrants: want the grant only for its user, its recordings and before expiry")
		}
		if err := ps.RevokeGrant(ctx(), g.ID, decided.Add(time.Minute), "user:mia", newEvent(callvault.ActionGrantRevoke, "grant:"+g.ID)); err != nil {
			t.Fatalf("RevokeGrant: %v", err)
		}
		if live(staff.ID, recA, decided) != 0 {
			t.Error("a revoked grant is still live")
		}
		wantKind(t, ps.RevokeGrant(ctx(), g.ID, decided, "x", newEvent(callvault.ActionGrantRevoke, "x")), callvault.KindConflict, "RevokeGrant(twice)")
		wantKind(t, ps.RevokeGrant(ctx(), callvault.NewID(), decided, "x", newEvent(callvault.ActionGrantRevoke, "x")), callvault.KindNotFound, "RevokeGrant(unknown)")
		_, err = ps.Grant(ctx(), callvault.NewID())
		wantKind(t, err, callvault.KindNotFound, "Grant(unknown)")

		// A rejection makes no grant.
		other.Status, other.DeciderID, other.DecidedAt, other.Statement = callvault.RequestRejected, staff.ID, &decided, "no"
		if err := ps.DecideAccessRequest(ctx(), &other, nil, newEvent(callvault.ActionRequestReject, "x")); err != nil {
			t.Fatalf("reject: %v", err)
		}
		if n := len(allEvents(t, cat)); n != 7 {
			t.Errorf("audit log has %d events, want 7", n)
		}
	})

	t.Run("Delegations", func(t *testing.T) {
		cat, ps := people(t, open)
		dpo, del := newUser("dora", callvault.RoleDPO), newUser("dan", callvault.RoleDirector)
		addUser(t, ps, dpo)
		addUser(t, ps, del)
		d := &callvault.Delegation{ID: callvault.NewID(), DelegateID: del.ID, DelegateName: del.Name, GrantorID: dpo.ID,
			GrantorName: dpo.Name, Statement: "while I am away", From: base, Until: base.Add(48 * time.Hour), CreatedAt: base}
		if err := ps.CreateDelegation(ctx(), d, newEvent(callvault.ActionDelegationCreate, "delegation:"+d.ID)); err != nil {
			t.Fatalf("CreateDelegation: %v", err)
		}
		got, err := ps.Delegation(ctx(), d.ID)
		if err != nil {
			t.Fatalf("Delegation: %v", err)
		}
		if diff := cmp.Diff(d, got, cmpOpts); diff != "" {
			t.Errorf("Delegation (-want +got):\n%s", diff)
		}
		for _, who := range []string{del.ID, ""} {
			ds, err := ps.Delegations(ctx(), who)
			if err != nil || len(ds) != 1 || ds[0].ID != d.ID {
				t.Errorf("Delegations(%q) = %v, %v", who, ds, err)
			}
		}
		if ds, _ := ps.Delegations(ctx(), dpo.ID); len(ds) != 0 {
			t.Errorf("Delegations(grantor) = %v, want none", ds)
		}
		if err := ps.RevokeDelegation(ctx(), d.ID, base.Add(time.Hour), newEvent(callvault.ActionDelegationRevoke, "x")); err != nil {
			t.Fatalf("RevokeDelegation: %v", err)
		}
		got, _ = ps.Delegation(ctx(), d.ID)
		if got.RevokedAt == nil || got.Live(base.Add(2*time.Hour)) {
			t.Errorf("revoked delegation = %+v", got)
		}
		wantKind(t, ps.RevokeDelegation(ctx(), d.ID, base, newEvent(callvault.ActionDelegationRevoke, "x")), callvault.KindConflict, "RevokeDelegation(twice)")
		wantKind(t, ps.RevokeDelegation(ctx(), callvault.NewID(), base, newEvent(callvault.ActionDelegationRevoke, "x")), callvault.KindNotFound, "RevokeDelegation(unknown)")
		if n := len(allEvents(t, cat)); n != 4 {
			t.Errorf("audit log has %d events, want 4", n)
		}
	})
}

func testImportPeople(t *testing.T, open Opener) {
	_, src := people(t, open)
	dstCat, _ := people(t, open)
	imp, ok := dstCat.(callvault.PeopleImporter)
	if !ok {
		t.Fatalf("%T does not implement callvault.PeopleImporter; every catalogue backend must", dstCat)
	}
	staff, dpo := newUser("sam", callvault.RoleStaff), newUser("dora", callvault.RoleDPO)
	addUser(t, src, staff)
	addUser(t, src, dpo)
	exp := base.Add(time.Hour)
	staff.TOTPSecret, staff.TOTPConfirmedAt, staff.RecoveryHashes, staff.SessionEpoch = "SECRET", &exp, []string{"h"}, 4
	if err := src.UpdateUser(ctx(), staff, newEvent(callvault.ActionUserUpdate, "x")); err != nil {
		t.Fatal(err)
	}
	rec := callvault.NewID()
	r := &callvault.AccessRequest{ID: callvault.NewID(), RequesterID: staff.ID, RequesterName: "sam", Purpose: callvault.PurposeQuality,
		Reason: "review", Extension: "201", Matched: []string{rec}, Status: callvault.RequestPending, CreatedAt: base}
	if err := src.CreateAccessRequest(ctx(), r, newEvent(callvault.ActionRequestCreate, "x")); err != nil {
		t.Fatal(err)
	}
	g := &callvault.Grant{ID: callvault.NewID(), RequestID: r.ID, UserID: staff.ID, RecordingIDs: []string{rec}, CreatedAt: base, ExpiresAt: exp}
	r.Status, r.DeciderID, r.DeciderName, r.DecidedAt, r.Statement, r.GrantID = callvault.RequestApproved, dpo.ID, "dora", &exp, "ok then", g.ID
	if err := src.DecideAccessRequest(ctx(), r, g, newEvent(callvault.ActionRequestApprove, "x")); err != nil {
		t.Fatal(err)
	}
	if err := src.RevokeGrant(ctx(), g.ID, exp, "user:dora", newEvent(callvault.ActionGrantRevoke, "x")); err != nil {
		t.Fatal(err)
	}
	pending := &callvault.AccessRequest{ID: callvault.NewID(), RequesterID: staff.ID, RequesterName: "sam", Purpose: callvault.PurposeOther,
		Reason: "other", Parties: []string{"Ann"}, Status: callvault.RequestPending, CreatedAt: base.Add(time.Minute)}
	if err := src.CreateAccessRequest(ctx(), pending, newEvent(callvault.ActionRequestCreate, "x")); err != nil {
		t.Fatal(err)
	}
	d := &callvault.Delegation{ID: callvault.NewID(), DelegateID: staff.ID, DelegateName: "sam", GrantorID: dpo.ID, GrantorName: "dora",
		Statement: "s", From: base, Until: exp, CreatedAt: base}
	if err := src.CreateDelegation(ctx(), d, newEvent(callvault.ActionDelegationCreate, "x")); err != nil {
		t.Fatal(err)
	}

	copyAll := func() []error {
		var errs []error
		users, _ := src.Users(ctx())
		for _, u := range users {
			errs = append(errs, imp.ImportUser(ctx(), u))
		}
		reqs, _ := src.AccessRequests(ctx(), callvault.AccessRequestFilter{})
		for _, r := range reqs {
			var g *callvault.Grant
			if r.GrantID != "" {
				g, _ = src.Grant(ctx(), r.GrantID)
			}
			errs = append(errs, imp.ImportAccessRequest(ctx(), r, g))
		}
		ds, _ := src.Delegations(ctx(), "")
		for _, d := range ds {
			errs = append(errs, imp.ImportDelegation(ctx(), d))
		}
		return errs
	}
	for _, err := range copyAll() {
		if err != nil {
			t.Fatalf("import: %v", err)
		}
	}
	dst := dstCat.(callvault.PeopleStore)
	for _, id := range []string{staff.ID, dpo.ID} {
		want, _ := src.User(ctx(), id)
		got, err := dst.User(ctx(), id)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got, cmpOpts); diff != "" {
			t.Errorf("imported user (-want +got):\n%s", diff)
		}
	}
	for _, id := range []string{r.ID, pending.ID} {
		want, _ := src.AccessRequest(ctx(), id)
		got, err := dst.AccessRequest(ctx(), id)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got, cmpOpts); diff != "" {
			t.Errorf("imported request (-want +got):\n%s", diff)
		}
	}
	wantG, _ := src.Grant(ctx(), g.ID)
	gotG, err := dst.Grant(ctx(), g.ID)
	if err != nil || gotG.RevokedAt == nil {
		t.Fatalf("imported grant %+v, %v; want it revoked", gotG, err)
	}
	if diff := cmp.Diff(wantG, gotG, cmpOpts); diff != "" {
		t.Errorf("imported grant (-want +got):\n%s", diff)
	}
	gotD, err := dst.Delegation(ctx(), d.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(d, gotD, cmpOpts); diff != "" {
		t.Errorf("imported delegation (-want +got):\n%s", diff)
	}
	for _, err := range copyAll() {
		wantKind(t, err, callvault.KindConflict, "a second import")
	}
	if n := len(allEvents(t, dstCat)); n != 0 {
		t.Errorf("imports appended %d audit events, want none", n)
	}
}

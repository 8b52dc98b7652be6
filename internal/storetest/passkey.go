package storetest

import (
	"testing"
	"time"

	"github.com/callvault/callvault"
	"github.com/google/go-cmp/cmp"
)

// testPasskeys checks the PasskeyStore contract: passkeys are listed per user, oldest first;
// a use moves the signature counter only from the value it was read at (two sign-ins racing
// with the same counter cannot both succeed); removal is per user; every change is audited in
// the same write and a refused change writes nothing.
func testPasskeys(t *testing.T, open Opener) {
	cat := open(t)
	ks, ok := cat.(callvault.PasskeyStore)
	if !ok {
		t.Fatalf("%T does not implement callvault.PasskeyStore; every catalogue backend must", cat)
	}
	ps := cat.(callvault.PeopleStore)
	mia, sam := newUser("mia", callvault.RoleManager), newUser("sam", callvault.RoleStaff)
	addUser(t, ps, mia)
	addUser(t, ps, sam)
	events := func() int { return len(allEvents(t, cat)) }
	start := events()

	laptop := &callvault.Passkey{ID: "AAEC-w_x", UserID: mia.ID, Name: "work laptop \u00e9",
		Credential: []byte(`{"id":"AAEC","publicKey":"pQ"}`), SignCount: 3, CreatedAt: base}
	phone := &callvault.Passkey{ID: "phone-1", UserID: mia.ID, Name: "phone",
		Credential: []byte(`{"id":"cGhvbmU"}`), CreatedAt: base.Add(time.Hour)}
	for _, k := range []*callvault.Passkey{phone, laptop} {
		if err := ks.CreatePasskey(ctx(), k, newEvent(callvault.ActionPasskeyRegister, "user:"+mia.ID)); err != nil {
			t.Fatalf("CreatePasskey(%s): %v", k.Name, err)
		}
	}
	dup := *laptop
	dup.UserID = sam.ID
	wantKind(t, ks.CreatePasskey(ctx(), &dup, newEvent(callvault.ActionPasskeyRegister, "user:"+sam.ID)), callvault.KindConflict, "CreatePasskey(same ID)")
	wantKind(t, ks.CreatePasskey(ctx(), &callvault.Passkey{ID: "x", UserID: sam.ID}, newEvent(callvault.ActionPasskeyRegister, "user:"+sam.ID)),
		callvault.KindInvalid, "CreatePasskey(no credential)")
	if n := events() - start; n != 2 {
		t.Fatalf("%d audit events after two registrations and two refusals, want 2", n)
	}

	got, err := ks.Passkeys(ctx(), mia.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]*callvault.Passkey{laptop, phone}, got, cmpOpts); diff != "" {
		t.Fatalf("Passkeys(mia) (-want +got):\n%s", diff)
	}
	if got, err := ks.Passkeys(ctx(), sam.ID); err != nil || len(got) != 0 {
		t.Fatalf("Passkeys(sam) = %v, %v; want none", got, err)
	}

	at := base.Add(2 * time.Hour)
	if err := ks.UsePasskey(ctx(), laptop.ID, 3, 4, at, newEvent(callvault.ActionPasskeyUse, "user:"+mia.ID)); err != nil {
		t.Fatalf("UsePasskey(3 -> 4): %v", err)
	}
	// A second sign-in that read the counter at 3 too must not also move it.
	wantKind(t, ks.UsePasskey(ctx(), laptop.ID, 3, 5, at, newEvent(callvault.ActionPasskeyUse, "user:"+mia.ID)), callvault.KindConflict, "UsePasskey(stale counter)")
	wantKind(t, ks.UsePasskey(ctx(), "gone", 0, 1, at, newEvent(callvault.ActionPasskeyUse, "user:"+mia.ID)), callvault.KindNotFound, "UsePasskey(no such passkey)")
	got, _ = ks.Passkeys(ctx(), mia.ID)
	if got[0].SignCount != 4 || got[0].LastUsedAt == nil || !cmp.Equal(*got[0].LastUsedAt, at, cmpOpts) {
		t.Fatalf("after a use: counter %d, last used %v; want 4 at %v", got[0].SignCount, got[0].LastUsedAt, at)
	}
	if n := events() - start; n != 3 {
		t.Fatalf("%d audit events after one use and two refused uses, want 3", n)
	}

	wantKind(t, ks.DeletePasskey(ctx(), sam.ID, laptop.ID, newEvent(callvault.ActionPasskeyRemove, "user:"+sam.ID)), callvault.KindNotFound, "DeletePasskey(another's)")
	if err := ks.DeletePasskey(ctx(), mia.ID, laptop.ID, newEvent(callvault.ActionPasskeyRemove, "user:"+mia.ID)); err != nil {
		t.Fatalf("DeletePasskey: %v", err)
	}
	wantKind(t, ks.DeletePasskey(ctx(), mia.ID, laptop.ID, newEvent(callvault.ActionPasskeyRemove, "user:"+mia.ID)), callvault.KindNotFound, "DeletePasskey(again)")
	got, _ = ks.Passkeys(ctx(), mia.ID)
	if len(got) != 1 || got[0].ID != phone.ID {
		t.Fatalf("after removing the laptop: %v, want only the phone", got)
	}
	if n := events() - start; n != 4 {
		t.Fatalf("%d audit events after one removal and two refused, want 4", n)
	}

	// Migration: a passkey is stored exactly as given, and without an audit event.
	imp, ok := cat.(callvault.PasskeyImporter)
	if !ok {
		t.Fatalf("%T does not implement callvault.PasskeyImporter; every catalogue backend must", cat)
	}
	used := base.Add(3 * time.Hour)
	moved := &callvault.Passkey{ID: "imported", UserID: sam.ID, Name: "key", Credential: []byte(`{"id":"aW1w"}`),
		SignCount: 41, CreatedAt: base, LastUsedAt: &used}
	if err := imp.ImportPasskey(ctx(), moved); err != nil {
		t.Fatalf("ImportPasskey: %v", err)
	}
	wantKind(t, imp.ImportPasskey(ctx(), moved), callvault.KindConflict, "ImportPasskey(again)")
	if got, err := ks.Passkeys(ctx(), sam.ID); err != nil || !cmp.Equal([]*callvault.Passkey{moved}, got, cmpOpts) {
		t.Fatalf("after the import: %v (%v), want %+v", got, err, moved)
	}
	if n := events() - start; n != 4 {
		t.Fatalf("the import wrote %d audit events, want none", n-4)
	}
}

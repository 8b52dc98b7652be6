package storetest

import (
	"crypto/sha256"
	"encoding/hex"
	"testing"
	"time"

	"github.com/callvault/callvault"
	"github.com/google/go-cmp/cmp"
)

func newToken(name string, created time.Time) *callvault.Token {
	sum := sha256.Sum256([]byte("secret-of-" + name + callvault.NewID()))
	return &callvault.Token{
		ID:        callvault.NewID(),
		Name:      name,
		Role:      callvault.RoleRecorder,
		Hash:      hex.EncodeToString(sum[:]),
		CreatedAt: created,
	}
}

func testToken(t *testing.T, open Opener) {
	t.Run("Lifecycle", func(t *testing.T) {
		cat := open(t)
		a := newToken("pbx-recorder", base.Add(time.Hour))
		b := newToken("auditor", base) // created earlier, inserted later
		b.Role = callvault.RoleAuditor
		evA := newEvent(callvault.ActionTokenCreate, a.ID)
		if err := cat.CreateToken(ctx(), a, evA); err != nil {
			t.Fatalf("CreateToken: %v", err)
		}
		if err := cat.CreateToken(ctx(), b, newEvent(callvault.ActionTokenCreate, b.ID)); err != nil {
			t.Fatalf("CreateToken: %v", err)
		}
		evs := allEvents(t, cat)
		if len(evs) != 2 || evs[0].Action != callvault.ActionTokenCreate || evs[0].Object != a.ID {
			t.Fatalf("audit log after CreateToken = %+v, want token.create events", evs)
		}
		if diff := cmp.Diff(evA, evs[0]); diff != "" {
			t.Errorf("token.create event (-sealed +stored):\n%s", diff)
		}

		got, err := cat.TokenByHash(ctx(), a.Hash)
		if err != nil {
			t.Fatalf("TokenByHash: %v", err)
		}
		if diff := cmp.Diff(a, got, cmpOpts); diff != "" {
			t.Errorf("TokenByHash (-want +got):\n%s", diff)
		}
		_, err = cat.TokenByHash(ctx(), hex.EncodeToString(make([]byte, 32)))
		wantKind(t, err, callvault.KindNotFound, "TokenByHash(unknown)")

		evR := newEvent(callvault.ActionTokenRevoke, a.ID)
		if err := cat.RevokeToken(ctx(), a.ID, evR); err != nil {
			t.Fatalf("RevokeToken: %v", err)
		}
		if evR.Seq != 3 {
			t.Errorf("RevokeToken sealed seq %d, want 3", evR.Seq)
		}
		_, err = cat.TokenByHash(ctx(), a.Hash)
		wantKind(t, err, callvault.KindNotFound, "TokenByHash(revoked)")
		err = cat.RevokeToken(ctx(), a.ID, newEvent(callvault.ActionTokenRevoke, a.ID))
		wantKind(t, err, callvault.KindNotFound, "RevokeToken(twice)")
		err = cat.RevokeToken(ctx(), callvault.NewID(), newEvent(callvault.ActionTokenRevoke, "x"))
		wantKind(t, err, callvault.KindNotFound, "RevokeToken(unknown)")
		if n := len(allEvents(t, cat)); n != 3 {
			t.Errorf("audit log has %d events, want 3 (failed revokes append nothing)", n)
		}

		all, err := cat.Tokens(ctx())
		if err != nil {
			t.Fatalf("Tokens: %v", err)
		}
		if len(all) != 2 || all[0].ID != b.ID || all[1].ID != a.ID {
			t.Fatalf("Tokens = %+v, want [auditor, pbx-recorder] by CreatedAt", all)
		}
		if all[1].RevokedAt == nil || all[0].RevokedAt != nil {
			t.Errorf("RevokedAt: revoked token %v, live token %v", all[1].RevokedAt, all[0].RevokedAt)
		}
		all[1].RevokedAt = nil
		if diff := cmp.Diff([]*callvault.Token{b, a}, all, cmpOpts); diff != "" {
			t.Errorf("Tokens (-want +got):\n%s", diff)
		}
	})

	t.Run("Conflict", func(t *testing.T) {
		cat := open(t)
		a := newToken("pbx", base)
		if err := cat.CreateToken(ctx(), a, newEvent(callvault.ActionTokenCreate, a.ID)); err != nil {
			t.Fatalf("CreateToken: %v", err)
		}
		sameName := newToken("pbx", base)
		err := cat.CreateToken(ctx(), sameName, newEvent(callvault.ActionTokenCreate, sameName.ID))
		wantKind(t, err, callvault.KindConflict, "CreateToken(duplicate name)")
		sameID := newToken("other", base)
		sameID.ID = a.ID
		err = cat.CreateToken(ctx(), sameID, newEvent(callvault.ActionTokenCreate, sameID.ID))
		wantKind(t, err, callvault.KindConflict, "CreateToken(duplicate id)")
		if n := len(allEvents(t, cat)); n != 1 {
			t.Errorf("audit log has %d events after conflicting creates, want 1", n)
		}
		_, err = cat.TokenByHash(ctx(), sameName.Hash)
		wantKind(t, err, callvault.KindNotFound, "TokenByHash(rejected token)")
		all, err := cat.Tokens(ctx())
		if err != nil || len(all) != 1 {
			t.Errorf("Tokens = %v, %v; want the one created token", all, err)
		}
	})
}

package tokens_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/sqlite"
	"github.com/callvault/callvault/internal/tokens"
)

func newService(t *testing.T) (*tokens.Service, *sqlite.DB, *int) {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	afters := 0
	now := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	return &tokens.Service{Store: db, Now: func() time.Time { return now }, AfterAudit: func(context.Context) { afters++ }}, db, &afters
}

func lastEvent(t *testing.T, db *sqlite.DB) *callvault.AuditEvent {
	t.Helper()
	evs, err := db.AuditEvents(context.Background(), 0, 1000)
	if err != nil || len(evs) == 0 {
		t.Fatalf("audit: %d events, %v", len(evs), err)
	}
	return evs[len(evs)-1]
}

// A created token authenticates by its secret (only the hash is kept), its name is unique,
// listing and revoking are audited by the operator, and a revoked token no longer works.
func TestCreateListRevoke(t *testing.T) {
	ctx := context.Background()
	s, db, afters := newService(t)
	tok, secret, err := s.Create(ctx, "cli:ops", " pbx ", callvault.RoleRecorder)
	if err != nil {
		t.Fatal(err)
	}
	if tok.Name != "pbx" || tok.Hash == secret || tok.Hash != callvault.HashToken(secret) {
		t.Errorf("token %+v for secret %q", tok, secret)
	}
	if got, err := db.TokenByHash(ctx, callvault.HashToken(secret)); err != nil || got.ID != tok.ID {
		t.Errorf("by its secret: %v %v", got, err)
	}
	if ev := lastEvent(t, db); ev.Action != callvault.ActionTokenCreate || ev.Actor != "cli:ops" || ev.Object != "token:"+tok.ID {
		t.Errorf("create event %+v", ev)
	}
	if _, _, err := s.Create(ctx, "cli:ops", "pbx", callvault.RoleAuditor); !callvault.IsKind(err, callvault.KindConflict) {
		t.Errorf("same name twice: %v", err)
	}
	for _, bad := range []struct {
		name string
		role callvault.Role
	}{{"x", callvault.RoleStaff}, {"x", "root"}, {"", callvault.RoleRecorder}, {"two words", callvault.RoleRecorder}} {
		if _, _, err := s.Create(ctx, "cli:ops", bad.name, bad.role); !callvault.IsKind(err, callvault.KindInvalid) {
			t.Errorf("Create(%q, %q): %v, want invalid", bad.name, bad.role, err)
		}
	}
	list, err := s.List(ctx, "cli:ops")
	if err != nil || len(list) != 1 || list[0].ID != tok.ID {
		t.Fatalf("list: %v %v", list, err)
	}
	if ev := lastEvent(t, db); ev.Action != callvault.ActionTokenList || ev.Actor != "cli:ops" {
		t.Errorf("list event %+v", ev)
	}
	if err := s.Revoke(ctx, "cli:ops", tok.ID); err != nil {
		t.Fatal(err)
	}
	if ev := lastEvent(t, db); ev.Action != callvault.ActionTokenRevoke || ev.Object != "token:"+tok.ID {
		t.Errorf("revoke event %+v", ev)
	}
	if _, err := db.TokenByHash(ctx, callvault.HashToken(secret)); !callvault.IsKind(err, callvault.KindNotFound) {
		t.Errorf("revoked token still found: %v", err)
	}
	if err := s.Revoke(ctx, "cli:ops", tok.ID); !callvault.IsKind(err, callvault.KindNotFound) {
		t.Errorf("revoked twice: %v", err)
	}
	if *afters != 3 {
		t.Errorf("AfterAudit called %d times, want 3 (create, list, revoke)", *afters)
	}
}

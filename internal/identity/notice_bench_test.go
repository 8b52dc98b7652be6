package identity_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/identity"
	"github.com/callvault/callvault/internal/sqlite"
)

// BenchmarkAuthenticateNotice is the cost the stored notice adds to every signed-in request
// (SQLite): "cached" is the default (the latest version re-read at most every two seconds),
// "per-request" re-reads it on every request, "config-only" is the configured notice without
// a store (what there was before).
func BenchmarkAuthenticateNotice(b *testing.B) {
	for _, mode := range []string{"config-only", "cached", "per-request"} {
		b.Run(mode, func(b *testing.B) {
			ctx := context.Background()
			db, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "c.db"))
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { db.Close() })
			s := &identity.Service{Store: db}
			u, _, err := s.AddUser(ctx, callvault.Operator("cli:test"), identity.NewUser{Name: "sam", Roles: []callvault.Role{callvault.RoleStaff}, Password: goodPassword})
			if err != nil {
				b.Fatal(err)
			}
			if mode != "config-only" {
				s.Notices = db
				op := &callvault.Principal{Kind: callvault.PrincipalToken, Actor: "cli:test"}
				if _, err := s.SaveNotice(ctx, op, identity.NoticeEdit{From: 1, Text: "Stored."}); err != nil {
					b.Fatal(err)
				}
			}
			if mode == "per-request" {
				s.NoticeFresh = -time.Nanosecond
			}
			in, err := s.Login(ctx, u.Name, goodPassword, "", "192.0.2.1")
			if err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := s.Authenticate(ctx, in.Secret); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

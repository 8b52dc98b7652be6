package sqlite_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/sqlite"
	"github.com/callvault/callvault/internal/storetest"
)

// openTemp opens a new catalogue in a temporary directory, closed when t ends.
func openTemp(t testing.TB) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "data", "catalogue.db"))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) callvault.Catalogue { return sqlite.TombstoneDB{DB: openTemp(t)} })
}

var _ storetest.TombstoneReader = sqlite.TombstoneDB{}

func TestOpenCreatesPrivateFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nested", "data")
	path := filepath.Join(dir, "catalogue.db")
	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer db.Close()
	// Force the WAL into existence.
	if err := db.AppendAudit(context.Background(), &callvault.AuditEvent{Actor: "system", Action: callvault.ActionServerStart}); err != nil {
		t.Fatalf("AppendAudit: %v", err)
	}
	for p, want := range map[string]os.FileMode{dir: 0o700, path: 0o600, path + "-wal": 0o600} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatalf("stat: %v", err)
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("%s has mode %o, want %o", p, got, want)
		}
	}
}

func TestOpenRejectsNoPath(t *testing.T) {
	for _, p := range []string{"", ":memory:"} {
		_, err := sqlite.Open(context.Background(), p)
		if !callvault.IsKind(err, callvault.KindInvalid) {
			t.Errorf("Open(%q) = %v, want kind invalid", p, err)
		}
	}
}

func TestPingAfterClose(t *testing.T) {
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if err := db.Ping(context.Background()); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	db.Close()
	if err := db.Ping(context.Background()); !callvault.IsKind(err, callvault.KindUnavailable) {
		t.Errorf("Ping after Close = %v, want kind unavailable", err)
	}
	_, err = db.Recording(context.Background(), callvault.NewID())
	if !callvault.IsKind(err, callvault.KindUnavailable) {
		t.Errorf("Recording after Close = %v, want kind unavailable", err)
	}
}

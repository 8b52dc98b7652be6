// Package archivetest gives tests a working archive on the embedded stores (SQLite, local files)
// with in-memory keys, in a temporary directory.
package archivetest

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/callvault/callvault/internal/archive"
	"github.com/callvault/callvault/internal/fileblob"
	"github.com/callvault/callvault/internal/sqlite"
	"github.com/callvault/callvault/internal/vault"
)

// Fixture is an archive service and the stores behind it.
type Fixture struct {
	Service *archive.Service
	DB      *sqlite.DB
	Blobs   *fileblob.Store
}

// New returns a fresh fixture whose stores are closed when t ends.
func New(t testing.TB) *Fixture {
	t.Helper()
	dir := t.TempDir()
	db, err := sqlite.Open(context.Background(), filepath.Join(dir, "catalogue.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	blobs, err := fileblob.Open(filepath.Join(dir, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	keys, err := vault.GenerateKeys()
	if err != nil {
		t.Fatal(err)
	}
	return &Fixture{Service: &archive.Service{Catalogue: db, Blobs: blobs, Keys: keys, RetentionMonths: 6}, DB: db, Blobs: blobs}
}

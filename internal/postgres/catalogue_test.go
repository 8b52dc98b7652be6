package postgres

import (
	"context"
	"testing"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/storetest"
)

// openTest opens a catalogue at url and closes it when the test ends.
func openTest(t testing.TB, url string) *DB {
	t.Helper()
	db, err := Open(context.Background(), url)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestCatalogue(t *testing.T) {
	dbURL := NewTestDatabase(t)
	storetest.Run(t, func(t *testing.T) callvault.Catalogue {
		return openTest(t, NewTestSchema(t, dbURL))
	})
}

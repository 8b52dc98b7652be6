package postgres

import (
	"context"
	"testing"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/postgres/pgtest"
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
	dbURL := pgtest.NewTestDatabase(t)
	storetest.Run(t, func(t *testing.T) callvault.Catalogue {
		return tombstoneDB{openTest(t, pgtest.NewTestSchema(t, dbURL))}
	})
}

// tombstoneDB is a DB that can also read the rows of deleted recordings, for the conformance
// suite's storetest.TombstoneReader check.
type tombstoneDB struct{ *DB }

var _ storetest.TombstoneReader = tombstoneDB{}

// Tombstone returns the header, sidecar and call details stored for the deleted recording id.
func (db tombstoneDB) Tombstone(ctx context.Context, id string) (header, sidecar []byte, details string, err error) {
	err = db.pool.QueryRow(ctx, `SELECT header, sidecar, coalesce(extensions::text, '') || coalesce(external_numbers::text, '')
		|| coalesce(parties::text, '') || line || coalesce(attributes::text, '') FROM recordings
		WHERE id = $1 AND deleted_at IS NOT NULL`, id).Scan(&header, &sidecar, &details)
	return header, sidecar, details, translate(err, "postgres: read tombstone")
}

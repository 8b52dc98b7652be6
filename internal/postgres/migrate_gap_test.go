package postgres

import (
	"context"
	"testing"

	"github.com/callvault/callvault/internal/postgres/pgtest"
)

// A migration with a lower version than the database's highest (merged from parallel work after
// a higher one was applied) is applied on the next open, not skipped.
func TestMigrateAppliesGaps(t *testing.T) {
	url := pgtest.NewTestSchema(t, pgtest.NewTestDatabase(t))
	db := openTest(t, url)
	ctx := context.Background()
	if _, err := db.pool.Exec(ctx, `DROP TABLE vault_keys; DELETE FROM schema_migrations WHERE version = 2`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db = openTest(t, url)
	var n int
	if err := db.pool.QueryRow(ctx, `SELECT count(*) FROM schema_migrations WHERE version = 2`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("migration 2 recorded %d times (%v), want once", n, err)
	}
	if _, err := db.VaultKeys(ctx); err != nil {
		t.Fatalf("the table of migration 2 was not re-created: %v", err)
	}
}

package postgres

import (
	"context"
	"embed"
	"fmt"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/migrations"
	"github.com/jackc/pgx/v5"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrate applies the pending migrations in one transaction, holding an advisory lock so that
// several nodes starting at once apply each migration exactly once.
func (db *DB) migrate(ctx context.Context) error {
	ms, err := migrations.Load(migrationFiles, "migrations")
	if err != nil {
		return callvault.WrapError(callvault.KindInternal, err, "postgres: the embedded migrations are broken")
	}
	return db.inTx(ctx, "postgres: migrate the schema", func(tx pgx.Tx) error {
		// A migration may rewrite a large table: statement_timeout (see sessionDefaults) is
		// for runaway queries, not for this.
		if _, err := tx.Exec(ctx, "SET LOCAL statement_timeout = 0"); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", db.migrateLock); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version    integer PRIMARY KEY,
			name       text NOT NULL,
			applied_at timestamptz NOT NULL DEFAULT now()
		)`); err != nil {
			return err
		}
		// Versions need not be contiguous (work on separate branches takes separate ranges),
		// so every migration not recorded is applied, not only those above the highest.
		rows, err := tx.Query(ctx, "SELECT version FROM schema_migrations")
		if err != nil {
			return err
		}
		versions, err := pgx.CollectRows(rows, pgx.RowTo[int])
		if err != nil {
			return err
		}
		applied, current := map[int]bool{}, 0
		for _, v := range versions {
			applied[v], current = true, max(current, v)
		}
		if current > migrations.Latest(ms) {
			return callvault.Errorf(callvault.KindInternal,
				"postgres: the database schema is at version %d, newer than this program's %d; upgrade callvault",
				current, migrations.Latest(ms))
		}
		for _, m := range ms {
			if applied[m.Version] {
				continue
			}
			if _, err := tx.Exec(ctx, m.SQL); err != nil {
				return fmt.Errorf("migration %s: %w", m.Name, err)
			}
			if err := afterMigration(ctx, tx, m.Name); err != nil {
				return fmt.Errorf("migration %s: %w", m.Name, err)
			}
			if _, err := tx.Exec(ctx, "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", m.Version, m.Name); err != nil {
				return err
			}
		}
		return nil
	})
}

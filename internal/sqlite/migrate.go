package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/migrations"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrate applies the pending migrations in one IMMEDIATE transaction, so that two processes
// opening a new file at once cannot both apply them. It is idempotent.
func migrate(ctx context.Context, w *sql.DB) error {
	ms, err := migrations.Load(migrationFiles, "migrations")
	if err != nil {
		return callvault.WrapError(callvault.KindInternal, err, "sqlite: bad embedded migrations")
	}
	tx, err := w.BeginTx(ctx, nil)
	if err != nil {
		return translate(err, "migrate the schema")
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT    NOT NULL,
		applied_at INTEGER NOT NULL
	)`); err != nil {
		return translate(err, "migrate the schema")
	}
	applied := map[int]bool{}
	rows, err := tx.QueryContext(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return translate(err, "migrate the schema")
	}
	maxApplied := 0
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return translate(err, "migrate the schema")
		}
		applied[v] = true
		maxApplied = max(maxApplied, v)
	}
	if err := rows.Close(); err != nil {
		return translate(err, "migrate the schema")
	}
	if maxApplied > migrations.Latest(ms) {
		return callvault.Errorf(callvault.KindInternal,
			"sqlite: the database schema (version %d) is newer than this program knows (version %d); upgrade callvault",
			maxApplied, migrations.Latest(ms))
	}
	for _, m := range ms {
		if applied[m.Version] {
			continue
		}
		if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
			return callvault.WrapError(callvault.KindInternal, err, "sqlite: apply migration "+m.Name)
		}
		if err := afterMigration(ctx, tx, m.Name); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
			m.Version, m.Name, time.Now().UnixMicro()); err != nil {
			return translate(err, "record migration "+m.Name)
		}
	}
	return translate(tx.Commit(), "migrate the schema")
}

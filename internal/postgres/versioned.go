package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"github.com/callvault/callvault"
)

// versionedTable is a table of numbered versions of one setting (the recording notice, the
// retention period): a new version must be above every stored one, and the newest is current.
type versionedTable[T any] struct {
	table    string // notice_versions
	noun     string // for errors: "notice version"
	changed  string // why a stale save is refused: "the notice changed meanwhile"
	columns  string // the columns scan reads, in its order
	version  func(T) int
	check    func(T) error // KindInvalid for a value no version may hold
	insert   func(ctx context.Context, tx pgx.Tx, v T) error
	scan     func(pgx.Row) (T, error)
	notFound string // the error of an empty table: "no notice version is stored"
}

// add stores v and appends ev in one transaction; KindConflict unless v's version is above
// every stored version. The table lock makes two nodes saving at once take turns, so the second
// sees the first's version and is refused.
func (t versionedTable[T]) add(ctx context.Context, db *DB, v T, ev *callvault.AuditEvent) error {
	what := "postgres: add " + t.noun
	if err := t.check(v); err != nil {
		return err
	}
	return db.change(ctx, what, ev, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `LOCK TABLE `+t.table+` IN SHARE ROW EXCLUSIVE MODE`); err != nil {
			return err
		}
		var latest *int64
		if err := tx.QueryRow(ctx, `SELECT max(version) FROM `+t.table).Scan(&latest); err != nil {
			return err
		}
		if latest != nil && int64(t.version(v)) <= *latest {
			return callvault.Errorf(callvault.KindConflict, "%s: version %d is stored already; %s", what, *latest, t.changed)
		}
		return t.insert(ctx, tx, v)
	})
}

// importOne stores v as given, without an audit event; KindConflict if its version exists.
func (t versionedTable[T]) importOne(ctx context.Context, db *DB, v T) error {
	if err := t.check(v); err != nil {
		return err
	}
	return db.inTx(ctx, "postgres: import "+t.noun, func(tx pgx.Tx) error { return t.insert(ctx, tx, v) })
}

// all returns every stored version, newest first.
func (t versionedTable[T]) all(ctx context.Context, db *DB) ([]T, error) {
	what := "postgres: " + t.noun + "s"
	rows, err := db.pool.Query(ctx, `SELECT `+t.columns+` FROM `+t.table+` ORDER BY version DESC`)
	if err != nil {
		return nil, translate(err, what)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (T, error) { return t.scan(row) })
	if err != nil {
		return nil, translate(err, what)
	}
	return out, nil
}

// latest returns the highest stored version; KindNotFound when there is none.
func (t versionedTable[T]) latest(ctx context.Context, db *DB) (T, error) {
	what := "postgres: latest " + t.noun
	v, err := t.scan(db.pool.QueryRow(ctx, `SELECT `+t.columns+` FROM `+t.table+` ORDER BY version DESC LIMIT 1`))
	if errors.Is(err, pgx.ErrNoRows) {
		var zero T
		return zero, callvault.Errorf(callvault.KindNotFound, "%s: %s", what, t.notFound)
	}
	if err != nil {
		var zero T
		return zero, translate(err, what)
	}
	return v, nil
}

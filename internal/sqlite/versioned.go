package sqlite

import (
	"context"
	"database/sql"
	"errors"

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
	insert   func(ctx context.Context, tx *sql.Tx, v T) error
	scan     func(scanner) (T, error)
	notFound string // the error of an empty table: "no notice version is stored"
}

// add stores v and appends ev in one write transaction; KindConflict unless v's version is
// above every stored version (the IMMEDIATE transaction serialises the check).
func (t versionedTable[T]) add(ctx context.Context, db *DB, v T, ev *callvault.AuditEvent) error {
	what := "add " + t.noun
	if err := t.check(v); err != nil {
		return err
	}
	if ev == nil {
		return callvault.Errorf(callvault.KindInvalid, "sqlite: %s: an audit event is required", what)
	}
	return db.appendWith(ctx, what, ev, func(tx *sql.Tx) error {
		var latest sql.NullInt64
		if err := tx.QueryRowContext(ctx, `SELECT max(version) FROM `+t.table).Scan(&latest); err != nil {
			return err
		}
		if latest.Valid && int64(t.version(v)) <= latest.Int64 {
			return callvault.Errorf(callvault.KindConflict, "sqlite: %s: version %d is stored already; %s", what, latest.Int64, t.changed)
		}
		return t.insert(ctx, tx, v)
	})
}

// importOne stores v as given, without an audit event; KindConflict if its version exists.
func (t versionedTable[T]) importOne(ctx context.Context, db *DB, v T) error {
	if err := t.check(v); err != nil {
		return err
	}
	return db.write(ctx, "import "+t.noun, func(tx *sql.Tx) error { return t.insert(ctx, tx, v) })
}

// all returns every stored version, newest first.
func (t versionedTable[T]) all(ctx context.Context, db *DB) ([]T, error) {
	what := "read " + t.noun + "s"
	rows, err := db.r.QueryContext(ctx, `SELECT `+t.columns+` FROM `+t.table+` ORDER BY version DESC`)
	if err != nil {
		return nil, translate(err, what)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := t.scan(rows)
		if err != nil {
			return nil, translate(err, what)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, translate(err, what)
	}
	return out, nil
}

// latest returns the highest stored version; KindNotFound when there is none.
func (t versionedTable[T]) latest(ctx context.Context, db *DB) (T, error) {
	v, err := t.scan(db.r.QueryRowContext(ctx, `SELECT `+t.columns+` FROM `+t.table+` ORDER BY version DESC LIMIT 1`))
	if errors.Is(err, sql.ErrNoRows) {
		var zero T
		return zero, notFound("%s", t.notFound)
	}
	if err != nil {
		var zero T
		return zero, translate(err, "read the latest "+t.noun)
	}
	return v, nil
}

package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/callvault/callvault"
)

// leasedQueue is a table of work items (the mail outbox, import jobs) that nodes claim for a
// while: a row is due when it is unfinished, its next attempt has come and no live claim holds it.
type leasedQueue[T any] struct {
	what     string // for errors: "claim mail"
	table    string
	columns  string // the columns scan reads
	openCond string // the SQL condition of an unfinished row, e.g. "sent_at IS NULL"
	scan     func(scanner) (T, error)
	id       func(T) string
}

// claim claims up to limit due rows of q for holder until until, oldest attempt first, in one
// IMMEDIATE transaction, so concurrent claimers (in any process) take turns.
func (q leasedQueue[T]) claim(ctx context.Context, db *DB, holder string, now, until time.Time, limit int) ([]T, error) {
	if holder == "" || !until.After(now) {
		return nil, callvault.Errorf(callvault.KindInvalid, "sqlite: %s: a holder and a claim that ends after now are required", q.what)
	}
	var out []T
	err := db.write(ctx, q.what, func(tx *sql.Tx) error {
		out = nil
		rows, err := tx.QueryContext(ctx, `SELECT `+q.columns+` FROM `+q.table+`
			WHERE `+q.openCond+` AND next_attempt_at <= ? AND (claimed_until IS NULL OR claimed_until <= ?)
			ORDER BY next_attempt_at, id LIMIT ?`, micros(now), micros(now), callvault.PageLimit(limit))
		if err != nil {
			return err
		}
		for rows.Next() {
			v, err := q.scan(rows)
			if err != nil {
				rows.Close()
				return err
			}
			out = append(out, v)
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return err
		}
		for _, v := range out {
			if _, err := tx.ExecContext(ctx, `UPDATE `+q.table+` SET claimed_by = ?, claimed_until = ? WHERE id = ?`,
				holder, micros(until), q.id(v)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

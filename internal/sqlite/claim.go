package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
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
	// missing and notHeld are the errors of a row that is not there (%q: its ID) or that the
	// caller does not hold (%s: its ID).
	missing, notHeld string
	truncate         func(string) string // shortens a stored error message
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

// retry records a failed attempt of holder's claim on row id and when to try again.
func (q leasedQueue[T]) retry(ctx context.Context, db *DB, what, id, holder string, next time.Time, lastError string) error {
	if next.IsZero() {
		return callvault.Errorf(callvault.KindInvalid, "sqlite: %s: the next attempt's time is required", what)
	}
	return db.write(ctx, what, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE `+q.table+` SET attempts = attempts + 1, next_attempt_at = ?,
			last_error = ?, claimed_by = NULL, claimed_until = NULL WHERE id = ? AND claimed_by = ? AND `+q.openCond,
			micros(next), q.truncate(lastError), id, holder)
		return q.held(ctx, tx, res, err, id)
	})
}

// held turns the result of a conditional update of one held row into the store's errors:
// KindNotFound if there is no row id, KindConflict if the caller did not hold it.
func (q leasedQueue[T]) held(ctx context.Context, tx *sql.Tx, res sql.Result, err error, id string) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil || n == 1 {
		return err
	}
	var one int
	err = tx.QueryRowContext(ctx, `SELECT 1 FROM `+q.table+` WHERE id = ?`, id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return notFound(q.missing, id)
	}
	if err != nil {
		return err
	}
	return callvault.Errorf(callvault.KindConflict, "sqlite: %s", fmt.Sprintf(q.notHeld, id))
}

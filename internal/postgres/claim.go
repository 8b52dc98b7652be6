package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/callvault/callvault"
)

// leasedQueue is a table of work items (the mail outbox, import jobs) that nodes claim for a
// while: a row is due when it is unfinished, its next attempt has come and no live claim holds it.
type leasedQueue[T any] struct {
	what     string // for errors: "postgres: claim mail"
	table    string
	columns  string // the columns scan reads
	openCond string // the SQL condition of an unfinished row, e.g. "sent_at IS NULL"
	scan     func(pgx.Row) (T, error)
	// order gives a row's place: its next attempt and ID, the order the claim chose.
	order func(T) (time.Time, string)
	// missing and notHeld are the errors of a row that is not there or that the caller does
	// not hold (%s: its ID).
	missing, notHeld string
	truncate         func(string) string // shortens a stored error message
}

// claim claims up to limit due rows of q for holder until until, oldest attempt first. Rows
// another claimer has locked are skipped, so concurrent nodes claim disjoint sets.
func (q leasedQueue[T]) claim(ctx context.Context, db *DB, holder string, now, until time.Time, limit int) ([]T, error) {
	if holder == "" || !until.After(now) {
		return nil, callvault.Errorf(callvault.KindInvalid, "%s: a holder and a claim that ends after now are required", q.what)
	}
	var out []T
	err := db.inTx(ctx, q.what, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `UPDATE `+q.table+` SET claimed_by = $1, claimed_until = $2
			WHERE id IN (SELECT id FROM `+q.table+`
				WHERE `+q.openCond+` AND next_attempt_at <= $3 AND (claimed_until IS NULL OR claimed_until <= $3)
				ORDER BY next_attempt_at, id LIMIT $4 FOR UPDATE SKIP LOCKED)
			RETURNING `+q.columns, holder, until, now, callvault.PageLimit(limit))
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (T, error) { return q.scan(row) })
		return err
	})
	if err != nil {
		return nil, err
	}
	q.sort(out)
	return out, nil
}

// sort puts rows in the order the claim chose them (RETURNING keeps no order).
func (q leasedQueue[T]) sort(rows []T) {
	slices.SortFunc(rows, func(a, b T) int {
		at, aid := q.order(a)
		bt, bid := q.order(b)
		if c := at.Compare(bt); c != 0 {
			return c
		}
		return strings.Compare(aid, bid)
	})
}

// retry records a failed attempt of holder's claim on row id and when to try again.
func (q leasedQueue[T]) retry(ctx context.Context, db *DB, what, id, holder string, next time.Time, lastError string) error {
	if next.IsZero() {
		return callvault.Errorf(callvault.KindInvalid, "%s: the next attempt's time is required", what)
	}
	return db.inTx(ctx, what, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE `+q.table+` SET attempts = attempts + 1, next_attempt_at = $1,
			last_error = $2, claimed_by = NULL, claimed_until = NULL WHERE id = $3 AND claimed_by = $4 AND `+q.openCond,
			next, q.truncate(lastError), id, holder)
		return q.held(ctx, tx, tag, err, id, what)
	})
}

// held turns the result of a conditional update of one held row into the store's errors:
// KindNotFound if there is no row id, KindConflict if the caller did not hold it.
func (q leasedQueue[T]) held(ctx context.Context, tx pgx.Tx, tag pgconn.CommandTag, err error, id, what string) error {
	if err != nil || tag.RowsAffected() == 1 {
		return err
	}
	var one int
	err = tx.QueryRow(ctx, `SELECT 1 FROM `+q.table+` WHERE id = $1`, id).Scan(&one)
	if errors.Is(err, pgx.ErrNoRows) {
		return callvault.Errorf(callvault.KindNotFound, "%s: %s", what, q.missing)
	}
	if err != nil {
		return err
	}
	return callvault.Errorf(callvault.KindConflict, "%s: %s", what, fmt.Sprintf(q.notHeld, id))
}

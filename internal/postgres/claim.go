package postgres

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

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

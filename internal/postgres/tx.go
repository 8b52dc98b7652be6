package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// maxAttempts bounds how often a transaction that failed with a serialization failure or a
// deadlock is run again.
const maxAttempts = 5

// inTx runs fn in a read-committed transaction and commits it, running it again (up to
// maxAttempts times) when it fails with a retryable error. The isolation level is set on every
// transaction, never left to the server's default_transaction_isolation: the audit chain
// depends on it (see appendAudit), and under repeatable read a transaction that waited for the
// audit lock would read the head from a snapshot taken before the previous holder committed. fn must be safe to run again: it must
// not keep state from a failed attempt. Errors are translated with what.
func (db *DB) inTx(ctx context.Context, what string, fn func(tx pgx.Tx) error) error {
	var err error
	for attempt := 1; ; attempt++ {
		err = db.tryTx(ctx, fn)
		if err == nil || !retryable(err) || attempt == maxAttempts {
			break
		}
		select {
		case <-ctx.Done():
			return translate(ctx.Err(), what)
		case <-time.After(time.Duration(attempt) * 5 * time.Millisecond):
		}
	}
	return translate(err, what)
}

func (db *DB) tryTx(ctx context.Context, fn func(tx pgx.Tx) error) error {
	tx, err := db.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted})
	if err != nil {
		return err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

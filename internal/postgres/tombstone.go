package postgres

import (
	"context"
	"time"

	"github.com/callvault/callvault"
	"github.com/jackc/pgx/v5"
)

// Tombstones returns up to limit tombstones of deleted recordings with ID > afterID, ordered by ID.
func (db *DB) Tombstones(ctx context.Context, afterID string, limit int) ([]*callvault.Tombstone, error) {
	const what = "postgres: list tombstones"
	rows, err := db.pool.Query(ctx, `SELECT `+tombstoneColumns+`
		FROM recordings WHERE id > $1 AND deleted_at IS NOT NULL ORDER BY id LIMIT $2`,
		afterID, callvault.PageLimit(limit))
	if err != nil {
		return nil, translate(err, what)
	}
	ts, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*callvault.Tombstone, error) { return scanTombstone(row) })
	return ts, translate(err, what)
}

const tombstoneColumns = `id, source, source_id, started_at, plain_size, stored_size,
	plain_sha256, stored_sha256, blob_key, key_epoch, retain_until, created_at, deleted_at`

func scanTombstone(row pgx.Row) (*callvault.Tombstone, error) {
	var (
		t               callvault.Tombstone
		source          string
		retain, created *time.Time
	)
	if err := row.Scan(&t.ID, &source, &t.SourceID, &t.StartedAt, &t.PlainSize, &t.StoredSize,
		&t.PlainSHA256, &t.StoredSHA256, &t.BlobKey, &t.KeyEpoch, &retain, &created, &t.DeletedAt); err != nil {
		return nil, err
	}
	t.Source = callvault.Source(source)
	t.StartedAt, t.DeletedAt = t.StartedAt.UTC(), t.DeletedAt.UTC()
	t.RetainUntil, t.CreatedAt = fromNullTime(retain), fromNullTime(created)
	return &t, nil
}

// TombstoneBySource returns the tombstone of the deleted recording with the given source and
// source ID, or KindNotFound.
func (db *DB) TombstoneBySource(ctx context.Context, source callvault.Source, sourceID string) (*callvault.Tombstone, error) {
	t, err := scanTombstone(db.pool.QueryRow(ctx, `SELECT `+tombstoneColumns+`
		FROM recordings WHERE source = $1 AND source_id = $2 AND deleted_at IS NOT NULL`, string(source), sourceID))
	return t, translate(err, "postgres: tombstone by source")
}

// ImportTombstone stores t as the row of a deleted recording, without subject rows or an audit
// event. KindConflict if a recording (live or deleted) has its ID or (source, source ID).
func (db *DB) ImportTombstone(ctx context.Context, t *callvault.Tombstone) error {
	const what = "postgres: import tombstone"
	if err := t.Validate(); err != nil {
		return prefixed(err, what)
	}
	r := t.Recording()
	args, err := recordingArgs(r)
	if err != nil {
		return err
	}
	return db.inTx(ctx, what, func(tx pgx.Tx) error {
		if err := insertRecording(ctx, tx, r, args); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE recordings SET deleted_at = $1 WHERE id = $2`, t.DeletedAt, t.ID)
		return err
	})
}

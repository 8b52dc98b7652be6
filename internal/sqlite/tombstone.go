package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/callvault/callvault"
)

// Tombstones returns up to limit tombstones of deleted recordings with ID > afterID, ordered by ID.
func (db *DB) Tombstones(ctx context.Context, afterID string, limit int) ([]*callvault.Tombstone, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+tombstoneColumns+`
		FROM recordings WHERE id > ? AND deleted_at IS NOT NULL ORDER BY id LIMIT ?`,
		afterID, callvault.PageLimit(limit))
	if err != nil {
		return nil, translate(err, "list tombstones")
	}
	defer rows.Close()
	var out []*callvault.Tombstone
	for rows.Next() {
		t, err := scanTombstone(rows)
		if err != nil {
			return nil, translate(err, "list tombstones")
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, translate(err, "list tombstones")
	}
	return out, nil
}

const tombstoneColumns = `id, source, source_id, started_at, plain_size, stored_size,
	plain_sha256, stored_sha256, blob_key, key_epoch, retain_until, created_at, deleted_at`

func scanTombstone(row interface{ Scan(...any) error }) (*callvault.Tombstone, error) {
	var (
		t                                 callvault.Tombstone
		started, retain, created, deleted int64
	)
	if err := row.Scan(&t.ID, &t.Source, &t.SourceID, &started, &t.PlainSize, &t.StoredSize,
		&t.PlainSHA256, &t.StoredSHA256, &t.BlobKey, &t.KeyEpoch, &retain, &created, &deleted); err != nil {
		return nil, err
	}
	t.StartedAt, t.RetainUntil = fromMicros(started), fromMicros(retain)
	t.CreatedAt, t.DeletedAt = fromMicros(created), fromMicros(deleted)
	return &t, nil
}

// TombstoneBySource returns the tombstone of the deleted recording with the given source and
// source ID, or KindNotFound.
func (db *DB) TombstoneBySource(ctx context.Context, source callvault.Source, sourceID string) (*callvault.Tombstone, error) {
	t, err := scanTombstone(db.r.QueryRowContext(ctx, `SELECT `+tombstoneColumns+`
		FROM recordings WHERE source = ? AND source_id = ? AND deleted_at IS NOT NULL`, string(source), sourceID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("no deleted recording from %s with source ID %q", source, sourceID)
	}
	if err != nil {
		return nil, translate(err, "read tombstone")
	}
	return t, nil
}

// ImportTombstone stores t as the row of a deleted recording, without subject rows or an audit
// event. KindConflict if a recording (live or deleted) has its ID or (source, source ID).
func (db *DB) ImportTombstone(ctx context.Context, t *callvault.Tombstone) error {
	if err := t.Validate(); err != nil {
		return prefixed(err, "import tombstone")
	}
	return db.write(ctx, "import tombstone", func(tx *sql.Tx) error {
		if err := insertRecording(ctx, tx, t.Recording()); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE recordings SET deleted_at = ? WHERE id = ?`, micros(t.DeletedAt), t.ID)
		return err
	})
}

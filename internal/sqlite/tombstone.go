package sqlite

import (
	"context"
	"database/sql"

	"github.com/callvault/callvault"
)

// Tombstones returns up to limit tombstones of deleted recordings with ID > afterID, ordered by ID.
func (db *DB) Tombstones(ctx context.Context, afterID string, limit int) ([]*callvault.Tombstone, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT id, source, source_id, started_at, plain_size, stored_size,
		plain_sha256, stored_sha256, blob_key, key_epoch, retain_until, created_at, deleted_at
		FROM recordings WHERE id > ? AND deleted_at IS NOT NULL ORDER BY id LIMIT ?`,
		afterID, callvault.PageLimit(limit))
	if err != nil {
		return nil, translate(err, "list tombstones")
	}
	defer rows.Close()
	var out []*callvault.Tombstone
	for rows.Next() {
		var (
			t                                 callvault.Tombstone
			started, retain, created, deleted int64
		)
		if err := rows.Scan(&t.ID, &t.Source, &t.SourceID, &started, &t.PlainSize, &t.StoredSize,
			&t.PlainSHA256, &t.StoredSHA256, &t.BlobKey, &t.KeyEpoch, &retain, &created, &deleted); err != nil {
			return nil, translate(err, "list tombstones")
		}
		t.StartedAt, t.RetainUntil = fromMicros(started), fromMicros(retain)
		t.CreatedAt, t.DeletedAt = fromMicros(created), fromMicros(deleted)
		out = append(out, &t)
	}
	if err := rows.Err(); err != nil {
		return nil, translate(err, "list tombstones")
	}
	return out, nil
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

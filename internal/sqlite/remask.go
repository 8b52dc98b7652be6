package sqlite

import (
	"context"
	"database/sql"

	"github.com/callvault/callvault"
)

var _ callvault.RecordingAudioReplacer = (*DB)(nil)

// ReplaceRecordingAudio implements callvault.RecordingAudioReplacer.
func (db *DB) ReplaceRecordingAudio(ctx context.Context, r *callvault.Recording, oldStoredSHA256 string, ev *callvault.AuditEvent) error {
	if err := callvault.CheckReplacedAudio(r, ev); err != nil {
		return callvault.PrefixError(err, "sqlite")
	}
	attrs, err := jsonText(r.Attributes, "{}", len(r.Attributes))
	if err != nil {
		return callvault.WrapError(callvault.KindInvalid, err, "sqlite: recording attributes cannot be encoded")
	}
	var sidecar any
	if r.Sidecar != nil {
		sidecar = r.Sidecar
	}
	return db.appendWith(ctx, "replace recording audio", ev, func(tx *sql.Tx) error {
		if err := refuseDestroyed(ctx, tx, r.KeyEpoch); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE recordings SET blob_key = ?, key_epoch = ?, header = ?, sidecar = ?,
				plain_size = ?, plain_sha256 = ?, stored_size = ?, stored_sha256 = ?, attributes = ?
			WHERE id = ? AND deleted_at IS NULL AND stored_sha256 = ?`,
			r.BlobKey, r.KeyEpoch, r.Header, sidecar, r.PlainSize, r.PlainSHA256, r.StoredSize, r.StoredSHA256, attrs,
			r.ID, oldStoredSHA256)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 1 {
			return nil
		}
		var live int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM recordings WHERE id = ? AND deleted_at IS NULL`, r.ID).Scan(&live); err != nil {
			return err
		}
		if live == 0 {
			return notFound("no live recording with ID %q", r.ID)
		}
		return callvault.Errorf(callvault.KindConflict, "sqlite: the audio of recording %s changed meanwhile; nothing was replaced", r.ID)
	})
}

package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/callvault/callvault"
)

var _ callvault.RecordingAudioReplacer = (*DB)(nil)

// ReplaceRecordingAudio implements callvault.RecordingAudioReplacer.
func (db *DB) ReplaceRecordingAudio(ctx context.Context, r *callvault.Recording, oldStoredSHA256 string, ev *callvault.AuditEvent) error {
	if err := callvault.CheckReplacedAudio(r, ev); err != nil {
		return callvault.PrefixError(err, "postgres")
	}
	what := "postgres: replace the audio of recording " + safeID(r.ID)
	if err := checkEvent(ev, what); err != nil {
		return err
	}
	attrs, err := jsonOrNull(len(r.Attributes), r.Attributes)
	if err != nil {
		return err
	}
	var sealed *callvault.AuditEvent
	err = db.inTx(ctx, what, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE recordings SET blob_key = $1, key_epoch = $11, header = $2, sidecar = $3,
				plain_size = $4, plain_sha256 = $5, stored_size = $6, stored_sha256 = $7, attributes = $8
			WHERE id = $9 AND deleted_at IS NULL AND stored_sha256 = $10`,
			r.BlobKey, r.Header, r.Sidecar, r.PlainSize, r.PlainSHA256, r.StoredSize, r.StoredSHA256, attrs,
			r.ID, oldStoredSHA256, r.KeyEpoch)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			var live bool
			if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM recordings WHERE id = $1 AND deleted_at IS NULL)`, r.ID).Scan(&live); err != nil {
				return err
			}
			if !live {
				return callvault.Errorf(callvault.KindNotFound, "%s: no live recording with that ID", what)
			}
			return callvault.Errorf(callvault.KindConflict, "%s: its audio changed meanwhile; nothing was replaced", what)
		}
		if sealed, err = db.appendAudit(ctx, tx, ev); err != nil {
			return err
		}
		// After the audit lock, as CreateRecording: see epoch.go.
		return refuseDestroyed(ctx, tx, r.KeyEpoch, what)
	})
	if err != nil {
		return err
	}
	*ev = *sealed
	return nil
}

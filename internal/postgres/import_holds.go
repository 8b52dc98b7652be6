package postgres

import (
	"context"
	"errors"

	"github.com/callvault/callvault"
	"github.com/jackc/pgx/v5"
)

var _ callvault.HoldImporter = (*DB)(nil)

// ImportHold stores h exactly as given; KindNotFound without its recording, KindConflict if
// its ID exists.
func (db *DB) ImportHold(ctx context.Context, h *callvault.Hold) error {
	const what = "postgres: import hold"
	if err := h.Validate(); err != nil {
		return prefixed(err, what)
	}
	return db.inTx(ctx, what, func(tx pgx.Tx) error {
		var one int
		err := tx.QueryRow(ctx, `SELECT 1 FROM recordings WHERE id = $1 FOR UPDATE`, h.RecordingID).Scan(&one)
		if errors.Is(err, pgx.ErrNoRows) {
			return callvault.Errorf(callvault.KindNotFound, "%s: no recording with ID %s", what, safeID(h.RecordingID))
		}
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO holds (id, recording_id, reason, case_id, review_at, placed_by, placed_at,
			released_by, released_at, release_reason) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, h.ID, h.RecordingID, h.Reason,
			h.CaseID, h.ReviewAt, h.PlacedBy, h.PlacedAt, h.ReleasedBy, nullTime(h.ReleasedAt), h.ReleaseReason)
		return err
	})
}

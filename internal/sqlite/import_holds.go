package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/callvault/callvault"
)

var _ callvault.HoldImporter = (*DB)(nil)

// ImportHold stores h exactly as given; KindNotFound without its recording, KindConflict if
// its ID exists.
func (db *DB) ImportHold(ctx context.Context, h *callvault.Hold) error {
	if err := h.Validate(); err != nil {
		return prefixed(err, "import hold")
	}
	return db.write(ctx, "import hold", func(tx *sql.Tx) error {
		var one int
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM recordings WHERE id = ?`, h.RecordingID).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("import hold: no recording with ID %q", h.RecordingID)
		}
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO holds (id, recording_id, reason, case_id, review_at, placed_by, placed_at,
			released_by, released_at, release_reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, h.ID, h.RecordingID, h.Reason, h.CaseID,
			micros(h.ReviewAt), h.PlacedBy, micros(h.PlacedAt), h.ReleasedBy, nullMicros(h.ReleasedAt), h.ReleaseReason)
		return translate(err, "import hold")
	})
}

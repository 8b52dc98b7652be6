package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/callvault/callvault"
	"github.com/jackc/pgx/v5"
)

var _ callvault.HoldStore = (*DB)(nil)

// PlaceHold inserts h and ev in one transaction; KindNotFound if h.RecordingID names no live
// recording, KindConflict if the hold's ID is taken. It locks the recording's row first, as
// DeleteRecording does, so that a hold and a delete of its recording are ordered: each runs
// its checks in a statement that starts after the other has committed (read committed takes a
// new snapshot per statement).
func (db *DB) PlaceHold(ctx context.Context, h *callvault.Hold, ev *callvault.AuditEvent) error {
	const what = "postgres: place hold"
	if err := h.Validate(); err != nil {
		return prefixed(err, what)
	}
	if err := checkEvent(ev, what); err != nil {
		return err
	}
	var sealed *callvault.AuditEvent
	err := db.inTx(ctx, what, func(tx pgx.Tx) error {
		var one int
		err := tx.QueryRow(ctx, `SELECT 1 FROM recordings WHERE id = $1 AND deleted_at IS NULL FOR UPDATE`, h.RecordingID).Scan(&one)
		if errors.Is(err, pgx.ErrNoRows) {
			return callvault.Errorf(callvault.KindNotFound, "%s: no live recording with ID %s", what, safeID(h.RecordingID))
		}
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO holds (id, recording_id, reason, case_id, review_at, placed_by, placed_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, h.ID, h.RecordingID, h.Reason, h.CaseID, h.ReviewAt, h.PlacedBy, h.PlacedAt); err != nil {
			return err
		}
		sealed, err = db.appendAudit(ctx, tx, ev)
		return err
	})
	if err != nil {
		return err
	}
	*ev = *sealed
	return nil
}

// ReleaseHold marks the active hold id released and appends ev; KindNotFound if no active hold
// has that ID.
func (db *DB) ReleaseHold(ctx context.Context, id, by string, at time.Time, reason string, ev *callvault.AuditEvent) error {
	const what = "postgres: release hold"
	if err := callvault.ValidateHoldReason(reason); err != nil {
		return prefixed(err, what)
	}
	if by == "" || at.IsZero() {
		return callvault.Errorf(callvault.KindInvalid, "%s: who releases it and when are required", what)
	}
	if err := checkEvent(ev, what); err != nil {
		return err
	}
	var sealed *callvault.AuditEvent
	err := db.inTx(ctx, what, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE holds SET released_by = $2, released_at = $3, release_reason = $4
			WHERE id = $1 AND released_at IS NULL`, id, by, at, reason)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return callvault.Errorf(callvault.KindNotFound, "%s: no active hold with ID %s", what, safeID(id))
		}
		sealed, err = db.appendAudit(ctx, tx, ev)
		return err
	})
	if err != nil {
		return err
	}
	*ev = *sealed
	return nil
}

const holdColumns = `h.id, h.recording_id, h.reason, h.case_id, h.review_at, h.placed_by, h.placed_at,
	h.released_by, h.released_at, h.release_reason, CASE WHEN r.deleted_at IS NULL THEN r.retain_until END`

func scanHold(row pgx.Row) (*callvault.Hold, error) {
	var (
		h                callvault.Hold
		released, retain *time.Time
	)
	if err := row.Scan(&h.ID, &h.RecordingID, &h.Reason, &h.CaseID, &h.ReviewAt, &h.PlacedBy, &h.PlacedAt,
		&h.ReleasedBy, &released, &h.ReleaseReason, &retain); err != nil {
		return nil, err
	}
	h.ReviewAt, h.PlacedAt = h.ReviewAt.UTC(), h.PlacedAt.UTC()
	if released != nil {
		h.ReleasedAt = released.UTC()
	}
	if retain != nil {
		h.RetainUntil = retain.UTC()
	}
	return &h, nil
}

// Hold returns the hold with the given ID, or KindNotFound.
func (db *DB) Hold(ctx context.Context, id string) (*callvault.Hold, error) {
	h, err := scanHold(db.pool.QueryRow(ctx, `SELECT `+holdColumns+`
		FROM holds h LEFT JOIN recordings r ON r.id = h.recording_id WHERE h.id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, callvault.Errorf(callvault.KindNotFound, "postgres: no hold with ID %s", safeID(id))
	}
	return h, translate(err, "postgres: read hold")
}

// Holds returns up to f.Limit holds matching f, ordered by ID.
func (db *DB) Holds(ctx context.Context, f callvault.HoldFilter) ([]*callvault.Hold, error) {
	const what = "postgres: list holds"
	where := []string{"h.id > $1"}
	args := []any{f.After}
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	if f.RecordingID != "" {
		where = append(where, "h.recording_id = "+arg(f.RecordingID))
	}
	if f.ActiveOnly || !f.ExpiredBefore.IsZero() {
		where = append(where, "h.released_at IS NULL")
	}
	if !f.ExpiredBefore.IsZero() {
		where = append(where, "r.deleted_at IS NULL AND r.retain_until < "+arg(f.ExpiredBefore))
	}
	limit := arg(callvault.PageLimit(f.Limit))
	rows, err := db.pool.Query(ctx, `SELECT `+holdColumns+` FROM holds h LEFT JOIN recordings r ON r.id = h.recording_id
		WHERE `+strings.Join(where, " AND ")+` ORDER BY h.id LIMIT `+limit, args...)
	if err != nil {
		return nil, translate(err, what)
	}
	hs, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*callvault.Hold, error) { return scanHold(row) })
	return hs, translate(err, what)
}

package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/callvault/callvault"
)

var _ callvault.HoldStore = (*DB)(nil)

// PlaceHold inserts h and ev in one transaction; KindNotFound if h.RecordingID names no live
// recording, KindConflict if the hold's ID is taken. Writes are serialised (IMMEDIATE
// transactions), so a hold and a delete of its recording cannot interleave.
func (db *DB) PlaceHold(ctx context.Context, h *callvault.Hold, ev *callvault.AuditEvent) error {
	if err := h.Validate(); err != nil {
		return prefixed(err, "place hold")
	}
	if ev == nil {
		return callvault.Errorf(callvault.KindInvalid, "sqlite: place hold: an audit event is required")
	}
	return db.appendWith(ctx, "place hold", ev, func(tx *sql.Tx) error {
		var one int
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM recordings WHERE id = ? AND deleted_at IS NULL`, h.RecordingID).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("place hold: no live recording with ID %q", h.RecordingID)
		}
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO holds (id, recording_id, reason, case_id, review_at, placed_by, placed_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, h.ID, h.RecordingID, h.Reason, h.CaseID, micros(h.ReviewAt), h.PlacedBy, micros(h.PlacedAt))
		return err
	})
}

// ReleaseHold marks the active hold id released and appends ev; KindNotFound if no active hold
// has that ID.
func (db *DB) ReleaseHold(ctx context.Context, id, by string, at time.Time, reason string, ev *callvault.AuditEvent) error {
	if err := callvault.ValidateHoldReason(reason); err != nil {
		return prefixed(err, "release hold")
	}
	if ev == nil || by == "" || at.IsZero() {
		return callvault.Errorf(callvault.KindInvalid, "sqlite: release hold: who releases it, when, and an audit event are required")
	}
	return db.appendWith(ctx, "release hold", ev, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE holds SET released_by = ?, released_at = ?, release_reason = ?
			WHERE id = ? AND released_at IS NULL`, by, micros(at), reason, id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return notFound("no active hold with ID %q", id)
		}
		return nil
	})
}

const holdColumns = `h.id, h.recording_id, h.reason, h.case_id, h.review_at, h.placed_by, h.placed_at,
	h.released_by, h.released_at, h.release_reason, CASE WHEN r.deleted_at IS NULL THEN r.retain_until END`

func scanHold(s scanner) (*callvault.Hold, error) {
	var (
		h                callvault.Hold
		review, placed   int64
		released, retain sql.NullInt64
	)
	if err := s.Scan(&h.ID, &h.RecordingID, &h.Reason, &h.CaseID, &review, &h.PlacedBy, &placed,
		&h.ReleasedBy, &released, &h.ReleaseReason, &retain); err != nil {
		return nil, err
	}
	h.ReviewAt, h.PlacedAt = fromMicros(review), fromMicros(placed)
	h.ReleasedAt, h.RetainUntil = fromNullMicros(released), fromNullMicros(retain)
	return &h, nil
}

// Hold returns the hold with the given ID, or KindNotFound.
func (db *DB) Hold(ctx context.Context, id string) (*callvault.Hold, error) {
	h, err := scanHold(db.r.QueryRowContext(ctx, `SELECT `+holdColumns+`
		FROM holds h LEFT JOIN recordings r ON r.id = h.recording_id WHERE h.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("no hold with ID %q", id)
	}
	if err != nil {
		return nil, translate(err, "read hold")
	}
	return h, nil
}

// Holds returns up to f.Limit holds matching f, ordered by ID.
func (db *DB) Holds(ctx context.Context, f callvault.HoldFilter) ([]*callvault.Hold, error) {
	var (
		where = []string{"h.id > ?"}
		args  = []any{f.After}
	)
	if f.RecordingID != "" {
		where, args = append(where, "h.recording_id = ?"), append(args, f.RecordingID)
	}
	if f.ActiveOnly || !f.ExpiredBefore.IsZero() {
		where = append(where, "h.released_at IS NULL")
	}
	if !f.ExpiredBefore.IsZero() {
		where, args = append(where, "r.deleted_at IS NULL AND r.retain_until < ?"), append(args, micros(f.ExpiredBefore))
	}
	args = append(args, callvault.PageLimit(f.Limit))
	rows, err := db.r.QueryContext(ctx, `SELECT `+holdColumns+` FROM holds h LEFT JOIN recordings r ON r.id = h.recording_id
		WHERE `+strings.Join(where, " AND ")+` ORDER BY h.id LIMIT ?`, args...)
	if err != nil {
		return nil, translate(err, "list holds")
	}
	defer rows.Close()
	var out []*callvault.Hold
	for rows.Next() {
		h, err := scanHold(rows)
		if err != nil {
			return nil, translate(err, "list holds")
		}
		out = append(out, h)
	}
	if err := rows.Err(); err != nil {
		return nil, translate(err, "list holds")
	}
	return out, nil
}

// activeHold returns the ID of an active hold on the recording, or "" if none.
func activeHold(ctx context.Context, tx *sql.Tx, recordingID string) (string, error) {
	var id string
	err := tx.QueryRowContext(ctx, `SELECT id FROM holds WHERE recording_id = ? AND released_at IS NULL ORDER BY id LIMIT 1`,
		recordingID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return id, err
}

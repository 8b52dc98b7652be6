package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/callvault/callvault"
	"github.com/jackc/pgx/v5"
)

// checkRecording applies the root's rule for recordings a catalogue may keep.
func checkRecording(r *callvault.Recording, what string) error {
	if err := r.Validate(); err != nil {
		return prefixed(err, what)
	}
	return nil
}

// CreateRecording inserts r, its subject rows and ev atomically; KindConflict if a recording with
// the same ID or (Source, SourceID) exists, KindInvalid if r has no ID, source, source ID or
// RetainUntil.
func (db *DB) CreateRecording(ctx context.Context, r *callvault.Recording, ev *callvault.AuditEvent) error {
	const what = "postgres: create recording"
	if err := checkRecording(r, what); err != nil {
		return err
	}
	if err := checkEvent(ev, what); err != nil {
		return err
	}
	args, err := recordingArgs(r)
	if err != nil {
		return err
	}
	var sealed *callvault.AuditEvent
	err = db.inTx(ctx, what, func(tx pgx.Tx) error {
		if err := insertRecording(ctx, tx, r, args); err != nil {
			return err
		}
		if sealed, err = db.appendAudit(ctx, tx, ev); err != nil {
			return err
		}
		// After the audit lock: see epoch.go.
		return refuseDestroyed(ctx, tx, r.KeyEpoch, what)
	})
	if err != nil {
		return err
	}
	*ev = *sealed
	return nil
}

// insertRecording inserts r (as recordingArgs) and its subject rows in tx.
func insertRecording(ctx context.Context, tx pgx.Tx, r *callvault.Recording, args []any) error {
	if _, err := tx.Exec(ctx, insertRecordingSQL, args...); err != nil {
		return err
	}
	subjects := r.Subjects()
	if len(subjects) == 0 {
		return nil
	}
	kinds := make([]string, len(subjects))
	values := make([]string, len(subjects))
	for i, s := range subjects {
		kinds[i], values[i] = string(s.Kind), s.Value
	}
	_, err := tx.Exec(ctx, `INSERT INTO recording_subjects (kind, value, started_at, recording_id)
		SELECT k, v, $3, $4 FROM unnest($1::text[], $2::text[]) AS s(k, v)`,
		kinds, values, r.StartedAt, r.ID)
	return err
}

// Recording returns the live recording with the given ID, or KindNotFound.
func (db *DB) Recording(ctx context.Context, id string) (*callvault.Recording, error) {
	r, err := scanRecording(db.pool.QueryRow(ctx, `SELECT `+recordingColumns+` FROM recordings r
		WHERE r.id = $1 AND r.deleted_at IS NULL`, id))
	return r, translate(err, "postgres: recording "+safeID(id))
}

// RecordingBySource returns the live recording with the given source and source ID, or
// KindNotFound.
func (db *DB) RecordingBySource(ctx context.Context, source callvault.Source, sourceID string) (*callvault.Recording, error) {
	r, err := scanRecording(db.pool.QueryRow(ctx, `SELECT `+recordingColumns+` FROM recordings r
		WHERE r.source = $1 AND r.source_id = $2 AND r.deleted_at IS NULL`, string(source), sourceID))
	return r, translate(err, "postgres: recording by source")
}

// ListRecordings returns up to limit live recordings with ID > afterID, ordered by ID. limit
// follows the rules of RecordingFilter.Limit (a negative one is KindInvalid).
func (db *DB) ListRecordings(ctx context.Context, afterID string, limit int) ([]*callvault.Recording, error) {
	const what = "postgres: list recordings"
	f, err := callvault.RecordingFilter{Limit: limit}.Normalize()
	if err != nil {
		return nil, prefixed(err, what)
	}
	return db.queryRecordings(ctx, what, `SELECT `+recordingColumns+` FROM recordings r
		WHERE r.id > $1 AND r.deleted_at IS NULL ORDER BY r.id LIMIT $2`, afterID, f.Limit)
}

// ExpiredRecordings returns up to limit live recordings whose RetainUntil is before now, ordered
// by RetainUntil, then ID (limit as for callvault.PageLimit). Held recordings are left out.
func (db *DB) ExpiredRecordings(ctx context.Context, now time.Time, limit int) ([]*callvault.Recording, error) {
	return db.queryRecordings(ctx, "postgres: list expired recordings", `SELECT `+recordingColumns+` FROM recordings r
		WHERE r.retain_until < $1 AND r.deleted_at IS NULL
			AND NOT EXISTS (SELECT 1 FROM holds h WHERE h.recording_id = r.id AND h.released_at IS NULL)
		ORDER BY r.retain_until, r.id LIMIT $2`,
		now, callvault.PageLimit(limit))
}

// queryRecordings runs a query selecting recordingColumns.
func (db *DB) queryRecordings(ctx context.Context, what, sql string, args ...any) ([]*callvault.Recording, error) {
	rows, err := db.pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, translate(err, what)
	}
	rs, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*callvault.Recording, error) {
		return scanRecording(row)
	})
	return rs, translate(err, what)
}

// DeleteRecording tombstones the live recording id (destroying its Header and Sidecar), removes
// its subject rows and appends ev, atomically. KindNotFound if there is no live recording id, so
// that of several concurrent callers exactly one succeeds.
func (db *DB) DeleteRecording(ctx context.Context, id string, ev *callvault.AuditEvent) error {
	what := "postgres: delete recording " + safeID(id)
	if err := checkEvent(ev, what); err != nil {
		return err
	}
	var sealed *callvault.AuditEvent
	err := db.inTx(ctx, what, func(tx pgx.Tx) error {
		// Lock the row first (PlaceHold locks it too), then look for a hold in a statement of
		// its own: under read committed it sees every hold committed before the lock was ours.
		var one int
		err := tx.QueryRow(ctx, `SELECT 1 FROM recordings WHERE id = $1 AND deleted_at IS NULL FOR UPDATE`, id).Scan(&one)
		if errors.Is(err, pgx.ErrNoRows) {
			return callvault.Errorf(callvault.KindNotFound, "%s: no live recording with that ID", what)
		}
		if err != nil {
			return err
		}
		var hold string
		err = tx.QueryRow(ctx, `SELECT id FROM holds WHERE recording_id = $1 AND released_at IS NULL ORDER BY id LIMIT 1`, id).Scan(&hold)
		if err == nil {
			return callvault.PrefixError(callvault.HeldError(id, hold), what)
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		tag, err := tx.Exec(ctx, shredRecordings, []string{id})
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return callvault.Errorf(callvault.KindNotFound, "%s: no live recording with that ID", what)
		}
		if _, err := tx.Exec(ctx, "DELETE FROM recording_subjects WHERE recording_id = $1", id); err != nil {
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

// safeID returns id for an error message if it looks like an ID, and a placeholder otherwise, so
// that arbitrary input is not echoed back.
func safeID(id string) string {
	if callvault.ValidID(id) {
		return id
	}
	return "(invalid ID)"
}

package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/callvault/callvault"
)

// CreateRecording inserts r, its subject rows and ev in one transaction. It returns KindConflict
// if the ID or (Source, SourceID) is taken, and KindInvalid if r.RetainUntil is zero; nothing is
// written then.
func (db *DB) CreateRecording(ctx context.Context, r *callvault.Recording, ev *callvault.AuditEvent) error {
	if r == nil || ev == nil {
		return callvault.Errorf(callvault.KindInvalid, "sqlite: create recording: a recording and its audit event are required")
	}
	if err := checkRecording(r, "create recording"); err != nil {
		return err
	}
	return db.appendWith(ctx, "create recording", ev, func(tx *sql.Tx) error {
		if err := refuseDestroyed(ctx, tx, r.KeyEpoch); err != nil {
			return err
		}
		return insertRecording(ctx, tx, r)
	})
}

// ImportRecording inserts r and its subject rows exactly as given, without an audit event.
// It returns KindConflict if the ID or (Source, SourceID) is taken, and KindInvalid if
// r.RetainUntil is zero.
func (db *DB) ImportRecording(ctx context.Context, r *callvault.Recording) error {
	if r == nil {
		return callvault.Errorf(callvault.KindInvalid, "sqlite: import recording: no recording given")
	}
	if err := checkRecording(r, "import recording"); err != nil {
		return err
	}
	return db.write(ctx, "import recording", func(tx *sql.Tx) error {
		return insertRecording(ctx, tx, r)
	})
}

// checkRecording applies the root's rule for recordings a catalogue may keep.
func checkRecording(r *callvault.Recording, what string) error {
	if err := r.Validate(); err != nil {
		return prefixed(err, "sqlite: "+what)
	}
	return nil
}

func insertRecording(ctx context.Context, tx *sql.Tx, r *callvault.Recording) error {
	args, err := recordingArgs(r)
	if err != nil {
		return callvault.WrapError(callvault.KindInvalid, err, "sqlite: recording fields cannot be encoded")
	}
	if _, err := tx.ExecContext(ctx, insertRecordingSQL, args...); err != nil {
		if e := translate(err, "create recording"); callvault.IsKind(e, callvault.KindConflict) {
			return callvault.WrapError(callvault.KindConflict, err,
				"sqlite: a recording with this ID or source and source ID already exists")
		}
		return err
	}
	started := micros(r.StartedAt)
	for _, s := range r.Subjects() {
		if _, err := tx.ExecContext(ctx,
			`INSERT INTO recording_subjects (recording_id, kind, value, started_at) VALUES (?, ?, ?, ?)`,
			r.ID, string(s.Kind), s.Value, started); err != nil {
			return err
		}
	}
	return nil
}

// Recording returns the live recording with the given ID, Header included, or KindNotFound.
func (db *DB) Recording(ctx context.Context, id string) (*callvault.Recording, error) {
	r, err := scanRecording(db.r.QueryRowContext(ctx,
		`SELECT `+recordingColumns+` FROM recordings r WHERE r.id = ? AND r.deleted_at IS NULL`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("no recording with ID %q", id)
	}
	if err != nil {
		return nil, translate(err, "read recording")
	}
	return r, nil
}

// RecordingBySource returns the live recording with the given source and source ID, or
// KindNotFound. A deleted recording's (source, source ID) stays taken by its tombstone.
func (db *DB) RecordingBySource(ctx context.Context, source callvault.Source, sourceID string) (*callvault.Recording, error) {
	r, err := scanRecording(db.r.QueryRowContext(ctx,
		`SELECT `+recordingColumns+` FROM recordings r
		WHERE r.source = ? AND r.source_id = ? AND r.deleted_at IS NULL`, string(source), sourceID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("no recording from %s with source ID %q", source, sourceID)
	}
	if err != nil {
		return nil, translate(err, "read recording")
	}
	return r, nil
}

// ListRecordings returns up to limit live recordings with ID > afterID, ordered by ID. limit
// follows the rules of RecordingFilter.Limit (a negative one is KindInvalid).
func (db *DB) ListRecordings(ctx context.Context, afterID string, limit int) ([]*callvault.Recording, error) {
	limit, err := listLimit(limit, "list recordings")
	if err != nil {
		return nil, err
	}
	return db.queryRecordings(ctx, "list recordings",
		`SELECT `+recordingColumns+` FROM recordings r
		WHERE r.id > ? AND r.deleted_at IS NULL ORDER BY r.id LIMIT ?`, afterID, limit)
}

// ExpiredRecordings returns up to limit live recordings whose RetainUntil is before now, ordered
// by RetainUntil, then ID. Held recordings are left out.
func (db *DB) ExpiredRecordings(ctx context.Context, now time.Time, limit int) ([]*callvault.Recording, error) {
	return db.queryRecordings(ctx, "list expired recordings",
		`SELECT `+recordingColumns+` FROM recordings r
		WHERE r.retain_until < ? AND r.deleted_at IS NULL
			AND NOT EXISTS (SELECT 1 FROM holds h WHERE h.recording_id = r.id AND h.released_at IS NULL)
		ORDER BY r.retain_until, r.id LIMIT ?`,
		micros(now), callvault.PageLimit(limit))
}

// DeleteRecording tombstones the live recording id: its Header and Sidecar are destroyed, its
// subject rows removed and ev appended, in one transaction. KindNotFound if no live recording has
// that ID; KindConflict (callvault.HeldError) if an active hold keeps it.
func (db *DB) DeleteRecording(ctx context.Context, id string, ev *callvault.AuditEvent) error {
	if ev == nil {
		return callvault.Errorf(callvault.KindInvalid, "sqlite: delete recording: an audit event is required")
	}
	return db.appendWith(ctx, "delete recording", ev, func(tx *sql.Tx) error {
		if hold, err := activeHold(ctx, tx, id); err != nil {
			return err
		} else if hold != "" {
			return callvault.PrefixError(callvault.HeldError(id, hold), "sqlite: delete recording")
		}
		res, err := tx.ExecContext(ctx, shredRecording, micros(time.Now()), id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return notFound("no live recording with ID %q", id)
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM recording_subjects WHERE recording_id = ?`, id)
		return err
	})
}

// queryRecordings runs a query selecting recordingColumns and reads every row.
func (db *DB) queryRecordings(ctx context.Context, what, query string, args ...any) ([]*callvault.Recording, error) {
	rows, err := db.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, translate(err, what)
	}
	defer rows.Close()
	var out []*callvault.Recording
	for rows.Next() {
		r, err := scanRecording(rows)
		if err != nil {
			return nil, translate(err, what)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, translate(err, what)
	}
	return out, nil
}

// listLimit resolves the limit of ListRecordings by the rules of RecordingFilter.Limit: 0 means
// callvault.DefaultSearchLimit, more than callvault.MaxSearchLimit is capped, and a negative
// limit is KindInvalid.
func listLimit(n int, what string) (int, error) {
	f, err := callvault.RecordingFilter{Limit: n}.Normalize()
	if err != nil {
		return 0, prefixed(err, what)
	}
	return f.Limit, nil
}

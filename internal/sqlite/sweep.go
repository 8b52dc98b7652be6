package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/callvault/callvault"
)

var _ callvault.RetentionStore = (*DB)(nil)

// RecordSweep records a sweep run's outcome (see callvault.RetentionStore).
func (db *DB) RecordSweep(ctx context.Context, run *callvault.SweepRun) error {
	if run == nil || run.StartedAt.IsZero() || run.FinishedAt.IsZero() {
		return callvault.Errorf(callvault.KindInvalid, "sqlite: record sweep: a run with its start and end is required")
	}
	outcome := map[bool]string{true: "ok", false: "failed"}[run.OK]
	return db.write(ctx, "record sweep", func(tx *sql.Tx) error {
		var since sql.NullInt64
		if !run.OK {
			err := tx.QueryRowContext(ctx, `SELECT failing_since FROM sweep_runs WHERE outcome = 'failed'`).Scan(&since)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return err
			}
			if !since.Valid {
				since = nullMicros(run.StartedAt)
			}
		} else if _, err := tx.ExecContext(ctx, `UPDATE sweep_runs SET failing_since = NULL WHERE outcome = 'failed'`); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO sweep_runs (outcome, node, started_at, finished_at, deleted, held, error, failing_since)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, outcome, run.Node, micros(run.StartedAt), micros(run.FinishedAt), run.Deleted, run.Held, run.Error, since)
		return err
	})
}

// SweepState returns the recorded sweep state.
func (db *DB) SweepState(ctx context.Context) (*callvault.SweepState, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT outcome, node, started_at, finished_at, deleted, held, error, failing_since FROM sweep_runs`)
	if err != nil {
		return nil, translate(err, "read sweep state")
	}
	defer rows.Close()
	st := &callvault.SweepState{}
	for rows.Next() {
		var (
			outcome           string
			run               callvault.SweepRun
			started, finished int64
			since             sql.NullInt64
		)
		if err := rows.Scan(&outcome, &run.Node, &started, &finished, &run.Deleted, &run.Held, &run.Error, &since); err != nil {
			return nil, translate(err, "read sweep state")
		}
		run.StartedAt, run.FinishedAt = fromMicros(started), fromMicros(finished)
		if outcome == "ok" {
			run.OK = true
			st.LastOK = &run
		} else {
			st.LastFailed = &run
			st.FailingSince = fromNullMicros(since)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, translate(err, "read sweep state")
	}
	return st, nil
}

// RetentionStats counts live, expired and held expired recordings and names the oldest.
func (db *DB) RetentionStats(ctx context.Context, now time.Time) (*callvault.RetentionStats, error) {
	st := &callvault.RetentionStats{}
	err := db.r.QueryRowContext(ctx, `SELECT
			(SELECT COUNT(*) FROM recordings WHERE deleted_at IS NULL),
			(SELECT COUNT(*) FROM recordings r WHERE r.deleted_at IS NULL AND r.retain_until < ?
				AND NOT EXISTS (SELECT 1 FROM holds h WHERE h.recording_id = r.id AND h.released_at IS NULL)),
			(SELECT COUNT(*) FROM recordings r WHERE r.deleted_at IS NULL AND r.retain_until < ?
				AND EXISTS (SELECT 1 FROM holds h WHERE h.recording_id = r.id AND h.released_at IS NULL))`,
		micros(now), micros(now)).Scan(&st.Live, &st.Expired, &st.HeldExpired)
	if err != nil {
		return nil, translate(err, "count recordings")
	}
	var (
		o               callvault.OldestRecording
		started, retain int64
	)
	err = db.r.QueryRowContext(ctx, `SELECT id, started_at, retain_until FROM recordings WHERE deleted_at IS NULL
		ORDER BY started_at, id LIMIT 1`).Scan(&o.ID, &started, &retain)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return nil, translate(err, "find the oldest recording")
	default:
		o.StartedAt, o.RetainUntil = fromMicros(started), fromMicros(retain)
		st.Oldest = &o
	}
	return st, nil
}

// RecomputeState returns the applied retention months and a recompute's progress.
func (db *DB) RecomputeState(ctx context.Context) (applied, target int, after string, err error) {
	err = db.r.QueryRowContext(ctx, `SELECT applied, target, after FROM retention_setting WHERE id = 1`).Scan(&applied, &target, &after)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, 0, "", nil
	}
	return applied, target, after, translate(err, "read retention setting")
}

// UpdateRetainUntil applies changes and records the recompute's progress with ev, atomically.
func (db *DB) UpdateRetainUntil(ctx context.Context, changes []callvault.RetainChange, target int, after string, done bool, ev *callvault.AuditEvent) error {
	if target < 1 || ev == nil {
		return callvault.Errorf(callvault.KindInvalid, "sqlite: update retain_until: months of at least 1 and an audit event are required")
	}
	return db.appendWith(ctx, "update retain_until", ev, func(tx *sql.Tx) error {
		for _, c := range changes {
			if _, err := tx.ExecContext(ctx, `UPDATE recordings SET retain_until = ? WHERE id = ? AND deleted_at IS NULL`, micros(c.RetainUntil), c.ID); err != nil {
				return err
			}
		}
		applied := 0
		err := tx.QueryRowContext(ctx, `SELECT applied FROM retention_setting WHERE id = 1`).Scan(&applied)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if done {
			applied, after = target, ""
		}
		_, err = tx.ExecContext(ctx, `INSERT OR REPLACE INTO retention_setting (id, applied, target, after) VALUES (1, ?, ?, ?)`, applied, target, after)
		return err
	})
}

package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/callvault/callvault"
	"github.com/jackc/pgx/v5"
)

var _ callvault.RetentionStore = (*DB)(nil)

// RecordSweep records a sweep run's outcome (see callvault.RetentionStore).
func (db *DB) RecordSweep(ctx context.Context, run *callvault.SweepRun) error {
	const what = "postgres: record sweep"
	if run == nil || run.StartedAt.IsZero() || run.FinishedAt.IsZero() {
		return callvault.Errorf(callvault.KindInvalid, "%s: a run with its start and end is required", what)
	}
	return db.inTx(ctx, what, func(tx pgx.Tx) error {
		if run.OK {
			if _, err := tx.Exec(ctx, `UPDATE sweep_runs SET failing_since = NULL WHERE outcome = 'failed'`); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO sweep_runs (outcome, node, started_at, finished_at, deleted, held, error)
				VALUES ('ok', $1, $2, $3, $4, $5, '')
				ON CONFLICT (outcome) DO UPDATE SET node = $1, started_at = $2, finished_at = $3, deleted = $4, held = $5`,
				run.Node, run.StartedAt, run.FinishedAt, run.Deleted, run.Held)
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO sweep_runs (outcome, node, started_at, finished_at, deleted, held, error, failing_since)
			VALUES ('failed', $1, $2, $3, $4, $5, $6, $2)
			ON CONFLICT (outcome) DO UPDATE SET node = $1, started_at = $2, finished_at = $3, deleted = $4, held = $5, error = $6,
				failing_since = COALESCE(sweep_runs.failing_since, $2)`,
			run.Node, run.StartedAt, run.FinishedAt, run.Deleted, run.Held, run.Error)
		return err
	})
}

// SweepState returns the recorded sweep state.
func (db *DB) SweepState(ctx context.Context) (*callvault.SweepState, error) {
	const what = "postgres: read sweep state"
	rows, err := db.pool.Query(ctx, `SELECT outcome, node, started_at, finished_at, deleted, held, error, failing_since FROM sweep_runs`)
	if err != nil {
		return nil, translate(err, what)
	}
	defer rows.Close()
	st := &callvault.SweepState{}
	for rows.Next() {
		var (
			outcome string
			run     callvault.SweepRun
			since   *time.Time
		)
		if err := rows.Scan(&outcome, &run.Node, &run.StartedAt, &run.FinishedAt, &run.Deleted, &run.Held, &run.Error, &since); err != nil {
			return nil, translate(err, what)
		}
		run.StartedAt, run.FinishedAt = run.StartedAt.UTC(), run.FinishedAt.UTC()
		if outcome == "ok" {
			run.OK = true
			st.LastOK = &run
		} else {
			st.LastFailed = &run
			if since != nil {
				st.FailingSince = since.UTC()
			}
		}
	}
	return st, translate(rows.Err(), what)
}

// RetentionStats counts live, expired and held expired recordings and names the oldest.
func (db *DB) RetentionStats(ctx context.Context, now time.Time) (*callvault.RetentionStats, error) {
	const what = "postgres: retention stats"
	st := &callvault.RetentionStats{}
	err := db.pool.QueryRow(ctx, `SELECT
			(SELECT COUNT(*) FROM recordings WHERE deleted_at IS NULL),
			(SELECT COUNT(*) FROM recordings r WHERE r.deleted_at IS NULL AND r.retain_until < $1
				AND NOT EXISTS (SELECT 1 FROM holds h WHERE h.recording_id = r.id AND h.released_at IS NULL)),
			(SELECT COUNT(*) FROM recordings r WHERE r.deleted_at IS NULL AND r.retain_until < $1
				AND EXISTS (SELECT 1 FROM holds h WHERE h.recording_id = r.id AND h.released_at IS NULL))`,
		now).Scan(&st.Live, &st.Expired, &st.HeldExpired)
	if err != nil {
		return nil, translate(err, what)
	}
	var o callvault.OldestRecording
	err = db.pool.QueryRow(ctx, `SELECT id, started_at, retain_until FROM recordings WHERE deleted_at IS NULL
		ORDER BY started_at, id LIMIT 1`).Scan(&o.ID, &o.StartedAt, &o.RetainUntil)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
	case err != nil:
		return nil, translate(err, what)
	default:
		o.StartedAt, o.RetainUntil = o.StartedAt.UTC(), o.RetainUntil.UTC()
		st.Oldest = &o
	}
	return st, nil
}

// RecomputeState returns the applied retention months and a recompute's progress.
func (db *DB) RecomputeState(ctx context.Context) (applied, target int, after string, err error) {
	err = db.pool.QueryRow(ctx, `SELECT applied, target, after FROM retention_setting WHERE id = 1`).Scan(&applied, &target, &after)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, 0, "", nil
	}
	return applied, target, after, translate(err, "postgres: read retention setting")
}

// UpdateRetainUntil applies changes and records the recompute's progress with ev, atomically.
func (db *DB) UpdateRetainUntil(ctx context.Context, changes []callvault.RetainChange, target int, after string, done bool, ev *callvault.AuditEvent) error {
	const what = "postgres: update retain_until"
	if target < 1 {
		return callvault.Errorf(callvault.KindInvalid, "%s: months of at least 1 are required", what)
	}
	if err := checkEvent(ev, what); err != nil {
		return err
	}
	var sealed *callvault.AuditEvent
	err := db.inTx(ctx, what, func(tx pgx.Tx) error {
		for _, c := range changes {
			if _, err := tx.Exec(ctx, `UPDATE recordings SET retain_until = $1 WHERE id = $2 AND deleted_at IS NULL`, c.RetainUntil, c.ID); err != nil {
				return err
			}
		}
		if done {
			if _, err := tx.Exec(ctx, `INSERT INTO retention_setting (id, applied, target, after) VALUES (1, $1, $1, '')
				ON CONFLICT (id) DO UPDATE SET applied = $1, target = $1, after = ''`, target); err != nil {
				return err
			}
		} else if _, err := tx.Exec(ctx, `INSERT INTO retention_setting (id, applied, target, after) VALUES (1, 0, $1, $2)
				ON CONFLICT (id) DO UPDATE SET target = $1, after = $2`, target, after); err != nil {
			return err
		}
		var err error
		sealed, err = db.appendAudit(ctx, tx, ev)
		return err
	})
	if err != nil {
		return err
	}
	*ev = *sealed
	return nil
}

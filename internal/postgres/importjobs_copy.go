package postgres

import (
	"context"
	"time"

	"github.com/callvault/callvault"
	"github.com/jackc/pgx/v5"
)

var _ callvault.ImportJobImporter = (*DB)(nil)

// ImportJobs returns up to limit jobs with IDs after after, in ID order (for migration).
func (db *DB) ImportJobs(ctx context.Context, after string, limit int) ([]*callvault.ImportJob, error) {
	const what = "postgres: list import jobs"
	rows, err := db.pool.Query(ctx, `SELECT `+importJobColumns+` FROM import_jobs WHERE id > $1 ORDER BY id LIMIT $2`,
		after, callvault.PageLimit(limit))
	if err != nil {
		return nil, translate(err, what)
	}
	defer rows.Close()
	var out []*callvault.ImportJob
	for rows.Next() {
		j, err := scanImportJob(rows)
		if err != nil {
			return nil, translate(err, what)
		}
		out = append(out, j)
	}
	return out, translate(rows.Err(), what)
}

// ImportImportJob stores j as given, unclaimed, without an audit event (for migration).
func (db *DB) ImportImportJob(ctx context.Context, j *callvault.ImportJob) error {
	const what = "postgres: import import job"
	if err := j.Validate(); err != nil {
		return callvault.PrefixError(err, what)
	}
	next := j.NextAttempt
	if next.IsZero() {
		next = j.CreatedAt
	}
	var done *time.Time
	if !j.DoneAt.IsZero() {
		d := j.DoneAt.UTC().Truncate(time.Microsecond)
		done = &d
	}
	return db.inTx(ctx, what, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO import_jobs (`+importJobColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
			j.ID, j.Kind, j.Key, j.Payload, j.CreatedAt.UTC().Truncate(time.Microsecond), j.Attempts,
			next.UTC().Truncate(time.Microsecond), done, j.Outcome, j.RecordingID, callvault.TruncateImportError(j.LastError))
		return err
	})
}

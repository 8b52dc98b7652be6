package sqlite

import (
	"context"
	"database/sql"

	"github.com/callvault/callvault"
)

var _ callvault.ImportJobImporter = (*DB)(nil)

// ImportJobs returns up to limit jobs with IDs after after, in ID order (for migration).
func (db *DB) ImportJobs(ctx context.Context, after string, limit int) ([]*callvault.ImportJob, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+importJobColumns+` FROM import_jobs WHERE id > ? ORDER BY id LIMIT ?`,
		after, callvault.PageLimit(limit))
	if err != nil {
		return nil, translate(err, "list import jobs")
	}
	defer rows.Close()
	var out []*callvault.ImportJob
	for rows.Next() {
		j, err := scanImportJob(rows)
		if err != nil {
			return nil, translate(err, "list import jobs")
		}
		out = append(out, j)
	}
	return out, translate(rows.Err(), "list import jobs")
}

// ImportImportJob stores j as given, unclaimed, without an audit event (for migration).
func (db *DB) ImportImportJob(ctx context.Context, j *callvault.ImportJob) error {
	if err := j.Validate(); err != nil {
		return prefixed(err, "import import job")
	}
	next := j.NextAttempt
	if next.IsZero() {
		next = j.CreatedAt
	}
	return db.write(ctx, "import import job", func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO import_jobs (`+importJobColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			j.ID, j.Kind, j.Key, j.Payload, micros(j.CreatedAt), j.Attempts, micros(next), nullMicros(j.DoneAt),
			j.Outcome, j.RecordingID, callvault.TruncateImportError(j.LastError))
		if callvault.IsKind(translate(err, ""), callvault.KindConflict) {
			return callvault.WrapError(callvault.KindConflict, err, "sqlite: an import job with this ID or for this recording exists already")
		}
		return err
	})
}

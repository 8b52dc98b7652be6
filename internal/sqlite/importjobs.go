package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/callvault/callvault"
)

var _ callvault.ImportJobStore = (*DB)(nil)

const importJobColumns = `id, kind, key, payload, created_at, attempts, next_attempt_at, done_at, outcome, recording_id, last_error`

// EnqueueImportJob stores j and appends ev in one transaction; KindConflict if its ID or its
// (kind, key) exists.
func (db *DB) EnqueueImportJob(ctx context.Context, j *callvault.ImportJob, ev *callvault.AuditEvent) error {
	if err := j.Validate(); err != nil {
		return prefixed(err, "enqueue import job")
	}
	if ev == nil {
		return callvault.Errorf(callvault.KindInvalid, "sqlite: enqueue import job: an audit event is required")
	}
	next := j.NextAttempt
	if next.IsZero() {
		next = j.CreatedAt
	}
	return db.appendWith(ctx, "enqueue import job", ev, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO import_jobs (id, kind, key, payload, created_at, next_attempt_at)
			VALUES (?, ?, ?, ?, ?, ?)`, j.ID, j.Kind, j.Key, j.Payload, micros(j.CreatedAt), micros(next))
		if callvault.IsKind(translate(err, ""), callvault.KindConflict) {
			return callvault.WrapError(callvault.KindConflict, err, "sqlite: an import job for this recording exists already")
		}
		return err
	})
}

// importJobQueue is the import_jobs table as a leased queue.
var importJobQueue = leasedQueue[*callvault.ImportJob]{what: "claim import jobs", table: "import_jobs",
	columns: importJobColumns, openCond: "done_at IS NULL", scan: scanImportJob,
	id:       func(j *callvault.ImportJob) string { return j.ID },
	missing:  "no import job with ID %q",
	notHeld:  "import job %s is not held by this worker (finished, or claimed by another)",
	truncate: callvault.TruncateImportError}

// ClaimImportJobs claims up to limit due, unheld, unfinished jobs for holder until until, in one
// IMMEDIATE transaction, so concurrent claimers (in any process) take turns.
func (db *DB) ClaimImportJobs(ctx context.Context, holder string, now, until time.Time, limit int) ([]*callvault.ImportJob, error) {
	return importJobQueue.claim(ctx, db, holder, now, until, limit)
}

// FinishImportJob records the end of a job holder holds and appends ev (if any), atomically.
func (db *DB) FinishImportJob(ctx context.Context, id, holder string, doneAt time.Time, outcome, recordingID, reason string, ev *callvault.AuditEvent) error {
	if doneAt.IsZero() || (outcome != callvault.ImportImported && outcome != callvault.ImportRefused) {
		return callvault.Errorf(callvault.KindInvalid, "sqlite: finish import job: a time and the outcome imported or refused are required")
	}
	change := func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE import_jobs SET done_at = ?, outcome = ?, recording_id = ?, last_error = ?,
			payload = '{}', attempts = attempts + 1, claimed_by = NULL, claimed_until = NULL
			WHERE id = ? AND claimed_by = ? AND done_at IS NULL`,
			micros(doneAt), outcome, recordingID, callvault.TruncateImportError(reason), id, holder)
		return importJobQueue.held(ctx, tx, res, err, id)
	}
	if ev == nil {
		return db.write(ctx, "finish import job", change)
	}
	return db.appendWith(ctx, "finish import job", ev, change)
}

// RetryImportJob records a failed attempt of holder's claim and when to try again.
func (db *DB) RetryImportJob(ctx context.Context, id, holder string, next time.Time, lastError string) error {
	return importJobQueue.retry(ctx, db, "retry import job", id, holder, next, lastError)
}

// ImportJobByKey returns the job of (kind, key), or KindNotFound.
func (db *DB) ImportJobByKey(ctx context.Context, kind, key string) (*callvault.ImportJob, error) {
	j, err := scanImportJob(db.r.QueryRowContext(ctx, `SELECT `+importJobColumns+` FROM import_jobs WHERE kind = ? AND key = ?`, kind, key))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("no import job for %s %q", kind, key)
	}
	return j, translate(err, "import job")
}

func scanImportJob(s scanner) (*callvault.ImportJob, error) {
	var (
		j             callvault.ImportJob
		created, next int64
		done          sql.NullInt64
	)
	if err := s.Scan(&j.ID, &j.Kind, &j.Key, &j.Payload, &created, &j.Attempts, &next, &done, &j.Outcome, &j.RecordingID, &j.LastError); err != nil {
		return nil, err
	}
	j.CreatedAt = fromMicros(created)
	j.NextAttempt = fromMicros(next)
	j.DoneAt = fromNullMicros(done)
	return &j, nil
}

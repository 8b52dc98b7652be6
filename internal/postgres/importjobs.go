package postgres

import (
	"context"
	"time"

	"github.com/callvault/callvault"
	"github.com/jackc/pgx/v5"
)

var _ callvault.ImportJobStore = (*DB)(nil)

const importJobColumns = `id, kind, key, payload, created_at, attempts, next_attempt_at, done_at, outcome, recording_id, last_error`

// EnqueueImportJob stores j and appends ev atomically; KindConflict if its ID or (kind, key) exists.
func (db *DB) EnqueueImportJob(ctx context.Context, j *callvault.ImportJob, ev *callvault.AuditEvent) error {
	const what = "postgres: enqueue import job"
	if err := j.Validate(); err != nil {
		return callvault.PrefixError(err, what)
	}
	if err := checkEvent(ev, what); err != nil {
		return err
	}
	next := j.NextAttempt
	if next.IsZero() {
		next = j.CreatedAt
	}
	var sealed *callvault.AuditEvent
	err := db.inTx(ctx, what, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO import_jobs (id, kind, key, payload, created_at, next_attempt_at)
			VALUES ($1, $2, $3, $4, $5, $6)`, j.ID, j.Kind, j.Key, j.Payload,
			j.CreatedAt.UTC().Truncate(time.Microsecond), next.UTC().Truncate(time.Microsecond)); err != nil {
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

// ClaimImportJobs claims up to limit due, unheld, unfinished jobs for holder until until. Rows a
// concurrent claimer has locked are skipped, so claimers never wait for each other nor share a job.
func (db *DB) ClaimImportJobs(ctx context.Context, holder string, now, until time.Time, limit int) ([]*callvault.ImportJob, error) {
	return importJobQueue.claim(ctx, db, holder, now, until, limit)
}

// importJobQueue is the import_jobs table as a leased queue.
var importJobQueue = leasedQueue[*callvault.ImportJob]{what: "postgres: claim import jobs", table: "import_jobs",
	columns: importJobColumns, openCond: "done_at IS NULL", scan: scanImportJob,
	order:    func(j *callvault.ImportJob) (time.Time, string) { return j.NextAttempt, j.ID },
	missing:  "no import job with that ID",
	notHeld:  "import job %s is not held by this worker (finished, or claimed by another)",
	truncate: callvault.TruncateImportError}

// FinishImportJob records the end of a job holder holds and appends ev (if any), atomically.
func (db *DB) FinishImportJob(ctx context.Context, id, holder string, doneAt time.Time, outcome, recordingID, reason string, ev *callvault.AuditEvent) error {
	const what = "postgres: finish import job"
	if doneAt.IsZero() || (outcome != callvault.ImportImported && outcome != callvault.ImportRefused) {
		return callvault.Errorf(callvault.KindInvalid, "%s: a time and the outcome imported or refused are required", what)
	}
	var sealed *callvault.AuditEvent
	err := db.inTx(ctx, what, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE import_jobs SET done_at = $1, outcome = $2, recording_id = $3, last_error = $4,
			payload = '{}', attempts = attempts + 1, claimed_by = NULL, claimed_until = NULL
			WHERE id = $5 AND claimed_by = $6 AND done_at IS NULL`,
			doneAt, outcome, recordingID, callvault.TruncateImportError(reason), id, holder)
		if err := importJobQueue.held(ctx, tx, tag, err, id, what); err != nil {
			return err
		}
		if ev != nil {
			sealed, err = db.appendAudit(ctx, tx, ev)
		}
		return err
	})
	if err != nil {
		return err
	}
	if ev != nil {
		*ev = *sealed
	}
	return nil
}

// RetryImportJob records a failed attempt of holder's claim and when to try again.
func (db *DB) RetryImportJob(ctx context.Context, id, holder string, next time.Time, lastError string) error {
	return importJobQueue.retry(ctx, db, "postgres: retry import job", id, holder, next, lastError)
}

// ImportJobByKey returns the job of (kind, key), or KindNotFound.
func (db *DB) ImportJobByKey(ctx context.Context, kind, key string) (*callvault.ImportJob, error) {
	const what = "postgres: import job"
	j, err := scanImportJob(db.pool.QueryRow(ctx, `SELECT `+importJobColumns+` FROM import_jobs WHERE kind = $1 AND key = $2`, kind, key))
	return j, translate(err, what)
}

func scanImportJob(row pgx.Row) (*callvault.ImportJob, error) {
	var (
		j    callvault.ImportJob
		done *time.Time
	)
	if err := row.Scan(&j.ID, &j.Kind, &j.Key, &j.Payload, &j.CreatedAt, &j.Attempts, &j.NextAttempt, &done, &j.Outcome, &j.RecordingID, &j.LastError); err != nil {
		return nil, err
	}
	j.CreatedAt = j.CreatedAt.UTC()
	j.NextAttempt = j.NextAttempt.UTC()
	if done != nil {
		j.DoneAt = done.UTC()
	}
	return &j, nil
}

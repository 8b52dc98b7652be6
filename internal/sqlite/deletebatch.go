package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/callvault/callvault"
)

var _ callvault.RecordingBatchDeleter = (*DB)(nil)

// DeleteRecordings deletes a batch of recordings in one write transaction (see
// callvault.RecordingBatchDeleter). One commit, and so one fsync, for the batch instead of one
// per recording is what makes the sweep fast; each recording's rows change exactly as in
// DeleteRecording, and the write lock held across the transaction orders it against holds.
func (db *DB) DeleteRecordings(ctx context.Context, batch []*callvault.RecordingDeletion) error {
	const what = "delete recordings"
	if err := callvault.CheckDeletions(batch); err != nil {
		return prefixed(err, what)
	}
	outcomes := make([]callvault.DeletionOutcome, len(batch))
	holds := make([]string, len(batch))
	sealed := make([]callvault.AuditEvent, len(batch))
	err := db.write(ctx, what, func(tx *sql.Tx) error {
		stmts, err := prepareDeletion(ctx, tx)
		if err != nil {
			return err
		}
		defer stmts.close()
		var (
			prevSeq  int64
			prevHash string
		)
		err = tx.QueryRowContext(ctx, `SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1`).Scan(&prevSeq, &prevHash)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		deletedAt := micros(time.Now())
		for i, d := range batch {
			err := stmts.hold.QueryRowContext(ctx, d.ID).Scan(&holds[i])
			switch {
			case err == nil:
				outcomes[i] = callvault.DeletionHeld
				continue
			case !errors.Is(err, sql.ErrNoRows):
				return err
			}
			res, err := stmts.shred.ExecContext(ctx, deletedAt, d.ID)
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil {
				return err
			} else if n == 0 {
				outcomes[i] = callvault.DeletionGone
				continue
			}
			if _, err := stmts.subjects.ExecContext(ctx, d.ID); err != nil {
				return err
			}
			sealed[i] = *d.Event
			sealed[i].Seal(prevSeq, prevHash)
			ev := &sealed[i]
			if _, err := stmts.event.ExecContext(ctx, ev.Seq, micros(ev.Time), ev.Actor, ev.Action, ev.Object, ev.Purpose,
				ev.RequestID, ev.Detail, ev.PrevHash, ev.Hash); err != nil {
				return err
			}
			prevSeq, prevHash = ev.Seq, ev.Hash
			outcomes[i] = callvault.DeletionDone
		}
		return nil
	})
	if err != nil {
		return err
	}
	for i, d := range batch {
		d.Outcome = outcomes[i]
		switch d.Outcome {
		case callvault.DeletionDone:
			*d.Event = sealed[i]
		case callvault.DeletionHeld:
			d.HoldID = holds[i]
		}
	}
	return nil
}

// shredRecording turns the live recording (deleted_at, id) into its tombstone: the header and
// sidecar are destroyed and every field that could name a person cleared. DeleteRecording and
// DeleteRecordings both run it, so the two paths cannot keep different things.
const shredRecording = `UPDATE recordings SET deleted_at = ?, header = NULL, sidecar = NULL,
		extensions = '[]', external_numbers = '[]', parties = '[]', line = '', attributes = '{}'
	WHERE id = ? AND deleted_at IS NULL`

// deletionStmts are the statements DeleteRecordings runs once per recording, prepared once per
// batch.
type deletionStmts struct {
	hold, shred, subjects, event *sql.Stmt
}

func prepareDeletion(ctx context.Context, tx *sql.Tx) (*deletionStmts, error) {
	s := &deletionStmts{}
	for _, p := range []struct {
		stmt  **sql.Stmt
		query string
	}{
		{&s.hold, `SELECT id FROM holds WHERE recording_id = ? AND released_at IS NULL ORDER BY id LIMIT 1`},
		{&s.shred, shredRecording},
		{&s.subjects, `DELETE FROM recording_subjects WHERE recording_id = ?`},
		{&s.event, `INSERT INTO audit_events (seq, time_us, actor, action, object, purpose, request_id, detail, prev_hash, hash)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`},
	} {
		st, err := tx.PrepareContext(ctx, p.query)
		if err != nil {
			s.close()
			return nil, err
		}
		*p.stmt = st
	}
	return s, nil
}

func (s *deletionStmts) close() {
	for _, st := range []*sql.Stmt{s.hold, s.shred, s.subjects, s.event} {
		if st != nil {
			st.Close()
		}
	}
}

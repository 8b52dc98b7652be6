package postgres

import (
	"context"
	"errors"

	"github.com/callvault/callvault"
	"github.com/jackc/pgx/v5"
)

var _ callvault.RecordingBatchDeleter = (*DB)(nil)

// shredRecordings turns the live recordings of the id array $1 into their tombstones: the header
// and sidecar are destroyed and every field that could name a person cleared (as DeleteRecording
// does for one).
const shredRecordings = `UPDATE recordings SET deleted_at = now(), header = NULL, sidecar = NULL,
		extensions = '[]', external_numbers = '[]', parties = '[]', line = '', attributes = '{}'
	WHERE id = ANY($1) AND deleted_at IS NULL`

// DeleteRecordings deletes a batch of recordings in one transaction (see
// callvault.RecordingBatchDeleter): a handful of set-wide statements and one round trip for the
// receipts, where DeleteRecording takes six round trips and a commit per recording.
//
// Exactly once across nodes: the live rows are locked first, in ID order (so two nodes locking
// overlapping batches queue rather than deadlock); a node that waited on another's lock sees the
// row deleted once it has it, and leaves it out. Holds are read in a statement of their own after
// the locks are held (PlaceHold locks the row too), so under read committed every hold
// committed before the locks were ours is seen, as in DeleteRecording.
func (db *DB) DeleteRecordings(ctx context.Context, batch []*callvault.RecordingDeletion) error {
	const what = "postgres: delete recordings"
	if err := callvault.CheckDeletions(batch); err != nil {
		return prefixed(err, what)
	}
	if len(batch) == 0 {
		return nil
	}
	ids := make([]string, len(batch))
	for i, d := range batch {
		ids[i] = d.ID
	}
	var (
		outcomes []callvault.DeletionOutcome
		holds    map[string]string
		sealed   []callvault.AuditEvent
	)
	err := db.inTx(ctx, what, func(tx pgx.Tx) error {
		// Each attempt starts afresh: inTx may run this again after a deadlock or a collision.
		outcomes = make([]callvault.DeletionOutcome, len(batch))
		holds = map[string]string{}
		sealed = make([]callvault.AuditEvent, len(batch))
		rows, err := tx.Query(ctx, `SELECT id FROM recordings WHERE id = ANY($1) AND deleted_at IS NULL ORDER BY id FOR UPDATE`, ids)
		if err != nil {
			return err
		}
		lockedIDs, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return err
		}
		live := make(map[string]bool, len(lockedIDs))
		for _, id := range lockedIDs {
			live[id] = true
		}
		rows, err = tx.Query(ctx, `SELECT DISTINCT ON (recording_id) recording_id, id FROM holds
			WHERE recording_id = ANY($1) AND released_at IS NULL ORDER BY recording_id, id`, lockedIDs)
		if err != nil {
			return err
		}
		var rid, hid string
		if _, err := pgx.ForEachRow(rows, []any{&rid, &hid}, func() error { holds[rid] = hid; return nil }); err != nil {
			return err
		}
		var doomed []string
		for i, d := range batch {
			switch {
			case !live[d.ID]:
				outcomes[i] = callvault.DeletionGone
			case holds[d.ID] != "":
				outcomes[i] = callvault.DeletionHeld
			default:
				outcomes[i] = callvault.DeletionDone
				doomed = append(doomed, d.ID)
			}
		}
		if len(doomed) == 0 {
			return nil
		}
		tag, err := tx.Exec(ctx, shredRecordings, doomed)
		if err != nil {
			return err
		}
		if int(tag.RowsAffected()) != len(doomed) {
			return callvault.Errorf(callvault.KindInternal, "%s: %d of %d locked recordings shredded", what, tag.RowsAffected(), len(doomed))
		}
		if _, err := tx.Exec(ctx, "DELETE FROM recording_subjects WHERE recording_id = ANY($1)", doomed); err != nil {
			return err
		}
		return db.appendDeletions(ctx, tx, batch, outcomes, sealed)
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
			d.HoldID = holds[d.ID]
		}
	}
	return nil
}

// appendDeletions appends the event of every deletion whose outcome is DeletionDone, in batch
// order, under one hold of the audit lock, filling sealed; the inserts go in one round trip.
func (db *DB) appendDeletions(ctx context.Context, tx pgx.Tx, batch []*callvault.RecordingDeletion, outcomes []callvault.DeletionOutcome, sealed []callvault.AuditEvent) error {
	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", db.auditLock); err != nil {
		return err
	}
	var (
		prevSeq  int64
		prevHash string
	)
	err := tx.QueryRow(ctx, "SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1").Scan(&prevSeq, &prevHash)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return err
	}
	b := &pgx.Batch{}
	for i, d := range batch {
		if outcomes[i] != callvault.DeletionDone {
			continue
		}
		sealed[i] = *d.Event
		ev := &sealed[i]
		ev.Seal(prevSeq, prevHash)
		prevSeq, prevHash = ev.Seq, ev.Hash
		b.Queue(`INSERT INTO audit_events (`+auditColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
			ev.Seq, ev.Time, ev.Actor, ev.Action, ev.Object, ev.Purpose, ev.RequestID, ev.Detail, ev.PrevHash, ev.Hash)
	}
	return tx.SendBatch(ctx, b).Close()
}

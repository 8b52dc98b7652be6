package postgres

import (
	"context"
	"errors"

	"github.com/callvault/callvault"
	"github.com/jackc/pgx/v5"
)

// ImportRecording inserts r exactly as given, with its subject rows and without an audit event,
// for migration between backends. KindConflict if a recording with its ID or (Source, SourceID)
// exists; nothing is written then.
func (db *DB) ImportRecording(ctx context.Context, r *callvault.Recording) error {
	const what = "postgres: import recording"
	if err := checkRecording(r, what); err != nil {
		return err
	}
	args, err := recordingArgs(r)
	if err != nil {
		return err
	}
	return db.inTx(ctx, what, func(tx pgx.Tx) error {
		return insertRecording(ctx, tx, r, args)
	})
}

// ImportAuditEvent appends ev keeping its Seq, PrevHash and Hash, for migration between
// backends. KindConflict unless ev.Seq is the next sequence number; KindInvalid if ev.Time has
// sub-microsecond precision, which the store could not keep (the hash would no longer recompute).
func (db *DB) ImportAuditEvent(ctx context.Context, ev *callvault.AuditEvent) error {
	const what = "postgres: import audit event"
	if err := checkEvent(ev, what); err != nil {
		return err
	}
	if ev.Time.Nanosecond()%1000 != 0 {
		return callvault.Errorf(callvault.KindInvalid,
			"%s: event %d has a time with sub-microsecond precision, which the store cannot keep", what, ev.Seq)
	}
	return db.inTx(ctx, what, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", db.auditLock); err != nil {
			return err
		}
		var head int64
		err := tx.QueryRow(ctx, "SELECT seq FROM audit_events ORDER BY seq DESC LIMIT 1").Scan(&head)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		if ev.Seq != head+1 {
			return callvault.Errorf(callvault.KindConflict,
				"%s: event %d does not follow the head of the log, %d", what, ev.Seq, head)
		}
		imported := *ev
		imported.Time = ev.Time.UTC()
		return insertAudit(ctx, tx, &imported)
	})
}

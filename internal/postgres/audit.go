package postgres

import (
	"context"
	"errors"

	"github.com/callvault/callvault"
	"github.com/jackc/pgx/v5"
)

const auditColumns = `seq, time, actor, action, object, purpose, request_id, detail, prev_hash, hash`

// appendAudit seals ev after the current head and inserts it, in tx. The advisory lock, held
// until tx ends, makes appends from every connection and node take turns; under read committed
// the head query that follows it sees the event the previous holder committed.
//
// It seals a copy and returns it; callers copy it to the caller's event only once tx commits,
// so that a failed or retried transaction leaves no half-sealed event behind.
func (db *DB) appendAudit(ctx context.Context, tx pgx.Tx, ev *callvault.AuditEvent) (*callvault.AuditEvent, error) {
	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", db.auditLock); err != nil {
		return nil, err
	}
	var prevSeq int64
	var prevHash string
	err := tx.QueryRow(ctx, "SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1").Scan(&prevSeq, &prevHash)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return nil, err
	}
	sealed := *ev
	sealed.Seal(prevSeq, prevHash)
	if err := insertAudit(ctx, tx, &sealed); err != nil {
		return nil, err
	}
	return &sealed, nil
}

func insertAudit(ctx context.Context, tx pgx.Tx, ev *callvault.AuditEvent) error {
	_, err := tx.Exec(ctx, `INSERT INTO audit_events (`+auditColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		ev.Seq, ev.Time, ev.Actor, ev.Action, ev.Object, ev.Purpose, ev.RequestID, ev.Detail,
		ev.PrevHash, ev.Hash)
	return err
}

// checkEvent returns KindInvalid for a missing event: every change must be audited.
func checkEvent(ev *callvault.AuditEvent, what string) error {
	if ev == nil {
		return callvault.Errorf(callvault.KindInvalid, "%s: an audit event is required", what)
	}
	return nil
}

// AppendAudit appends ev, filling Seq, PrevHash and Hash.
func (db *DB) AppendAudit(ctx context.Context, ev *callvault.AuditEvent) error {
	const what = "postgres: append audit event"
	if err := checkEvent(ev, what); err != nil {
		return err
	}
	var sealed *callvault.AuditEvent
	err := db.inTx(ctx, what, func(tx pgx.Tx) error {
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

// AuditEvents returns up to limit events with Seq > afterSeq in Seq order (limit as for
// callvault.PageLimit).
func (db *DB) AuditEvents(ctx context.Context, afterSeq int64, limit int) ([]*callvault.AuditEvent, error) {
	const what = "postgres: read audit events"
	rows, err := db.pool.Query(ctx, `SELECT `+auditColumns+` FROM audit_events WHERE seq > $1
		ORDER BY seq LIMIT $2`, afterSeq, callvault.PageLimit(limit))
	if err != nil {
		return nil, translate(err, what)
	}
	evs, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*callvault.AuditEvent, error) {
		return scanAudit(row)
	})
	return evs, translate(err, what)
}

// AuditHead returns the last event, or (nil, nil) if the log is empty.
func (db *DB) AuditHead(ctx context.Context) (*callvault.AuditEvent, error) {
	ev, err := scanAudit(db.pool.QueryRow(ctx, `SELECT `+auditColumns+` FROM audit_events ORDER BY seq DESC LIMIT 1`))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, translate(err, "postgres: read the audit head")
	}
	return ev, nil
}

func scanAudit(row pgx.Row) (*callvault.AuditEvent, error) {
	var ev callvault.AuditEvent
	err := row.Scan(&ev.Seq, &ev.Time, &ev.Actor, &ev.Action, &ev.Object, &ev.Purpose, &ev.RequestID,
		&ev.Detail, &ev.PrevHash, &ev.Hash)
	if err != nil {
		return nil, err
	}
	ev.Time = ev.Time.UTC()
	return &ev, nil
}

// AddCheckpoint stores a signed checkpoint.
func (db *DB) AddCheckpoint(ctx context.Context, c *callvault.Checkpoint) error {
	const what = "postgres: add audit checkpoint"
	if c == nil {
		return callvault.Errorf(callvault.KindInvalid, "%s: no checkpoint given", what)
	}
	_, err := db.pool.Exec(ctx, `INSERT INTO audit_checkpoints (seq, hash, time, key_id, signature)
		VALUES ($1, $2, $3, $4, $5)`, c.Seq, c.Hash, c.Time, c.KeyID, c.Signature)
	return translate(err, what)
}

// Checkpoints returns all checkpoints in Seq order, then in the order they were added.
func (db *DB) Checkpoints(ctx context.Context) ([]*callvault.Checkpoint, error) {
	const what = "postgres: read audit checkpoints"
	rows, err := db.pool.Query(ctx, `SELECT seq, hash, time, key_id, signature FROM audit_checkpoints
		ORDER BY seq, id`)
	if err != nil {
		return nil, translate(err, what)
	}
	cps, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*callvault.Checkpoint, error) {
		var c callvault.Checkpoint
		if err := row.Scan(&c.Seq, &c.Hash, &c.Time, &c.KeyID, &c.Signature); err != nil {
			return nil, err
		}
		c.Time = c.Time.UTC()
		return &c, nil
	})
	return cps, translate(err, what)
}

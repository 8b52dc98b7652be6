package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/callvault/callvault"
)

// AppendAudit appends ev, filling Seq, PrevHash and Hash. Appends serialise on the IMMEDIATE
// write transaction, which holds SQLite's write lock across processes, so the chain cannot fork.
func (db *DB) AppendAudit(ctx context.Context, ev *callvault.AuditEvent) error {
	if ev == nil {
		return callvault.Errorf(callvault.KindInvalid, "sqlite: append audit event: no event given")
	}
	return db.appendWith(ctx, "append audit event", ev, nil)
}

// appendWith runs change (if any) and appends ev in one write transaction. ev is sealed only
// once the transaction commits, so a failed call leaves the caller's event untouched.
func (db *DB) appendWith(ctx context.Context, what string, ev *callvault.AuditEvent, change func(*sql.Tx) error) error {
	sealed := *ev
	err := db.write(ctx, what, func(tx *sql.Tx) error {
		if change != nil {
			if err := change(tx); err != nil {
				return err
			}
		}
		var (
			prevSeq  int64
			prevHash string
		)
		err := tx.QueryRowContext(ctx, `SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1`).
			Scan(&prevSeq, &prevHash)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		sealed.Seal(prevSeq, prevHash)
		return insertEvent(ctx, tx, &sealed)
	})
	if err != nil {
		return err
	}
	*ev = sealed
	return nil
}

func insertEvent(ctx context.Context, tx *sql.Tx, ev *callvault.AuditEvent) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO audit_events
		(seq, time_us, actor, action, object, purpose, request_id, detail, prev_hash, hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		ev.Seq, micros(ev.Time), ev.Actor, ev.Action, ev.Object, ev.Purpose, ev.RequestID, ev.Detail,
		ev.PrevHash, ev.Hash)
	return err
}

// ImportAuditEvent stores ev exactly as given (Seq, PrevHash and Hash included). It returns
// KindConflict unless ev.Seq is the next sequence number, and KindInvalid if ev.Time has
// sub-microsecond precision, which the store could not keep.
func (db *DB) ImportAuditEvent(ctx context.Context, ev *callvault.AuditEvent) error {
	if ev == nil {
		return callvault.Errorf(callvault.KindInvalid, "sqlite: import audit event: no event given")
	}
	if ev.Time.Nanosecond()%1000 != 0 {
		return callvault.Errorf(callvault.KindInvalid,
			"sqlite: import audit event %d: time %s has sub-microsecond precision", ev.Seq, ev.Time)
	}
	return db.write(ctx, "import audit event", func(tx *sql.Tx) error {
		var head int64
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(seq), 0) FROM audit_events`).Scan(&head); err != nil {
			return err
		}
		if ev.Seq != head+1 {
			return callvault.Errorf(callvault.KindConflict,
				"sqlite: import audit event: seq %d is not the next one (the log ends at %d)", ev.Seq, head)
		}
		return insertEvent(ctx, tx, ev)
	})
}

const eventColumns = `seq, time_us, actor, action, object, purpose, request_id, detail, prev_hash, hash`

func scanEvent(s scanner) (*callvault.AuditEvent, error) {
	var (
		ev callvault.AuditEvent
		us int64
	)
	if err := s.Scan(&ev.Seq, &us, &ev.Actor, &ev.Action, &ev.Object, &ev.Purpose, &ev.RequestID,
		&ev.Detail, &ev.PrevHash, &ev.Hash); err != nil {
		return nil, err
	}
	ev.Time = fromMicros(us)
	return &ev, nil
}

// AuditEvents returns up to limit events with Seq > afterSeq in Seq order, exactly as stored.
func (db *DB) AuditEvents(ctx context.Context, afterSeq int64, limit int) ([]*callvault.AuditEvent, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+eventColumns+` FROM audit_events
		WHERE seq > ? ORDER BY seq LIMIT ?`, afterSeq, callvault.PageLimit(limit))
	if err != nil {
		return nil, translate(err, "read audit events")
	}
	defer rows.Close()
	var out []*callvault.AuditEvent
	for rows.Next() {
		ev, err := scanEvent(rows)
		if err != nil {
			return nil, translate(err, "read audit events")
		}
		out = append(out, ev)
	}
	if err := rows.Err(); err != nil {
		return nil, translate(err, "read audit events")
	}
	return out, nil
}

// AuditHead returns the last event, or (nil, nil) if the log is empty.
func (db *DB) AuditHead(ctx context.Context) (*callvault.AuditEvent, error) {
	ev, err := scanEvent(db.r.QueryRowContext(ctx,
		`SELECT `+eventColumns+` FROM audit_events ORDER BY seq DESC LIMIT 1`))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, translate(err, "read the audit head")
	}
	return ev, nil
}

// AddCheckpoint stores a signed checkpoint.
func (db *DB) AddCheckpoint(ctx context.Context, c *callvault.Checkpoint) error {
	if c == nil {
		return callvault.Errorf(callvault.KindInvalid, "sqlite: add checkpoint: no checkpoint given")
	}
	return db.write(ctx, "add checkpoint", func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO audit_checkpoints (seq, hash, time_us, key_id, signature)
			VALUES (?, ?, ?, ?, ?)`, c.Seq, c.Hash, micros(c.Time), c.KeyID, c.Signature)
		return err
	})
}

// Checkpoints returns every checkpoint in Seq order (then in the order they were added).
func (db *DB) Checkpoints(ctx context.Context) ([]*callvault.Checkpoint, error) {
	rows, err := db.r.QueryContext(ctx,
		`SELECT seq, hash, time_us, key_id, signature FROM audit_checkpoints ORDER BY seq, id`)
	if err != nil {
		return nil, translate(err, "read checkpoints")
	}
	defer rows.Close()
	var out []*callvault.Checkpoint
	for rows.Next() {
		var (
			c  callvault.Checkpoint
			us int64
		)
		if err := rows.Scan(&c.Seq, &c.Hash, &us, &c.KeyID, &c.Signature); err != nil {
			return nil, translate(err, "read checkpoints")
		}
		c.Time = fromMicros(us)
		out = append(out, &c)
	}
	if err := rows.Err(); err != nil {
		return nil, translate(err, "read checkpoints")
	}
	return out, nil
}

package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/callvault/callvault"
)

// CreateSession inserts s and ev.
func (db *DB) CreateSession(ctx context.Context, s *callvault.Session, ev *callvault.AuditEvent) error {
	if s == nil || ev == nil || s.ID == "" || s.UserID == "" {
		return callvault.Errorf(callvault.KindInvalid, "sqlite: create session: a session with an ID and user, and an audit event, are required")
	}
	return db.appendWith(ctx, "create session", ev, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO sessions (id, user_id, created_at, last_seen_at, expires_at, epoch)
			VALUES (?, ?, ?, ?, ?, ?)`, s.ID, s.UserID, micros(s.CreatedAt), micros(s.LastSeenAt), micros(s.ExpiresAt), s.Epoch)
		return err
	})
}

// Session returns the session with id, or KindNotFound.
func (db *DB) Session(ctx context.Context, id string) (*callvault.Session, error) {
	var s callvault.Session
	var created, seen, expires int64
	err := db.r.QueryRowContext(ctx, `SELECT id, user_id, created_at, last_seen_at, expires_at, epoch FROM sessions WHERE id = ?`, id).
		Scan(&s.ID, &s.UserID, &created, &seen, &expires, &s.Epoch)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("no such session")
	}
	if err != nil {
		return nil, translate(err, "read session")
	}
	s.CreatedAt, s.LastSeenAt, s.ExpiresAt = fromMicros(created), fromMicros(seen), fromMicros(expires)
	return &s, nil
}

// TouchSession sets the session's LastSeenAt; KindNotFound if it is gone.
func (db *DB) TouchSession(ctx context.Context, id string, at time.Time) error {
	return db.write(ctx, "touch session", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE sessions SET last_seen_at = ? WHERE id = ?`, micros(at), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound("no such session")
		}
		return nil
	})
}

// DeleteSession ends the session and appends ev; KindNotFound if there is none.
func (db *DB) DeleteSession(ctx context.Context, id string, ev *callvault.AuditEvent) error {
	if ev == nil {
		return callvault.Errorf(callvault.KindInvalid, "sqlite: delete session: an audit event is required")
	}
	return db.appendWith(ctx, "delete session", ev, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE id = ?`, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound("no such session")
		}
		return nil
	})
}

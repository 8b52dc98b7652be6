package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/callvault/callvault"
)

// CreateToken inserts t and ev in one transaction; KindConflict if the ID, name or hash is taken.
func (db *DB) CreateToken(ctx context.Context, t *callvault.Token, ev *callvault.AuditEvent) error {
	if t == nil || ev == nil {
		return callvault.Errorf(callvault.KindInvalid, "sqlite: create token: a token and its audit event are required")
	}
	return db.appendWith(ctx, "create token", ev, func(tx *sql.Tx) error {
		var revoked sql.NullInt64
		if t.RevokedAt != nil {
			revoked = nullMicros(*t.RevokedAt)
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO tokens (id, name, role, hash, created_at, revoked_at)
			VALUES (?, ?, ?, ?, ?, ?)`, t.ID, t.Name, string(t.Role), t.Hash, micros(t.CreatedAt), revoked)
		if callvault.IsKind(translate(err, ""), callvault.KindConflict) {
			return callvault.WrapError(callvault.KindConflict, err, "sqlite: a token with this name already exists")
		}
		return err
	})
}

const tokenColumns = `id, name, role, hash, created_at, revoked_at`

func scanToken(s scanner) (*callvault.Token, error) {
	var (
		t       callvault.Token
		created int64
		revoked sql.NullInt64
	)
	if err := s.Scan(&t.ID, &t.Name, &t.Role, &t.Hash, &created, &revoked); err != nil {
		return nil, err
	}
	t.CreatedAt = fromMicros(created)
	if revoked.Valid {
		r := fromMicros(revoked.Int64)
		t.RevokedAt = &r
	}
	return &t, nil
}

// TokenByHash returns the unrevoked token whose secret hashes to hash, or KindNotFound.
func (db *DB) TokenByHash(ctx context.Context, hash string) (*callvault.Token, error) {
	t, err := scanToken(db.r.QueryRowContext(ctx,
		`SELECT `+tokenColumns+` FROM tokens WHERE hash = ? AND revoked_at IS NULL`, hash))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("no live token has this secret")
	}
	if err != nil {
		return nil, translate(err, "read token")
	}
	return t, nil
}

// Tokens returns every token, revoked ones included, ordered by CreatedAt (then ID).
func (db *DB) Tokens(ctx context.Context) ([]*callvault.Token, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+tokenColumns+` FROM tokens ORDER BY created_at, id`)
	if err != nil {
		return nil, translate(err, "list tokens")
	}
	defer rows.Close()
	var out []*callvault.Token
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, translate(err, "list tokens")
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, translate(err, "list tokens")
	}
	return out, nil
}

// RevokeToken marks the token revoked and appends ev; KindNotFound if no live token has id.
func (db *DB) RevokeToken(ctx context.Context, id string, ev *callvault.AuditEvent) error {
	if ev == nil {
		return callvault.Errorf(callvault.KindInvalid, "sqlite: revoke token: an audit event is required")
	}
	return db.appendWith(ctx, "revoke token", ev, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`,
			micros(time.Now()), id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return notFound("no live token with ID %q", id)
		}
		return nil
	})
}

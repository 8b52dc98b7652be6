package postgres

import (
	"context"
	"time"

	"github.com/callvault/callvault"
	"github.com/jackc/pgx/v5"
)

const tokenColumns = `id, name, role, hash, created_at, revoked_at`

// CreateToken inserts t and ev atomically; KindConflict if the ID, name or hash is taken.
func (db *DB) CreateToken(ctx context.Context, t *callvault.Token, ev *callvault.AuditEvent) error {
	const what = "postgres: create token"
	if t == nil || t.ID == "" || t.Name == "" || t.Hash == "" {
		return callvault.Errorf(callvault.KindInvalid, "%s: the token needs an ID, a name and a hash", what)
	}
	if err := checkEvent(ev, what); err != nil {
		return err
	}
	var sealed *callvault.AuditEvent
	err := db.inTx(ctx, what, func(tx pgx.Tx) error {
		var revoked any
		if t.RevokedAt != nil {
			revoked = *t.RevokedAt
		}
		_, err := tx.Exec(ctx, `INSERT INTO tokens (`+tokenColumns+`) VALUES ($1, $2, $3, $4, $5, $6)`,
			t.ID, t.Name, string(t.Role), t.Hash, t.CreatedAt, revoked)
		if err != nil {
			return err
		}
		sealed, err = db.appendAudit(ctx, tx, ev)
		return err
	})
	if err != nil {
		return err
	}
	*ev = *sealed
	return nil
}

// TokenByHash returns the unrevoked token whose secret hashes to hash, or KindNotFound.
func (db *DB) TokenByHash(ctx context.Context, hash string) (*callvault.Token, error) {
	t, err := scanToken(db.pool.QueryRow(ctx, `SELECT `+tokenColumns+` FROM tokens
		WHERE hash = $1 AND revoked_at IS NULL`, hash))
	return t, translate(err, "postgres: token")
}

// Tokens returns all tokens, revoked ones included, ordered by CreatedAt (then ID).
func (db *DB) Tokens(ctx context.Context) ([]*callvault.Token, error) {
	const what = "postgres: list tokens"
	rows, err := db.pool.Query(ctx, `SELECT `+tokenColumns+` FROM tokens ORDER BY created_at, id`)
	if err != nil {
		return nil, translate(err, what)
	}
	ts, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*callvault.Token, error) {
		return scanToken(row)
	})
	return ts, translate(err, what)
}

// RevokeToken marks the live token id revoked and appends ev; KindNotFound if there is none.
func (db *DB) RevokeToken(ctx context.Context, id string, ev *callvault.AuditEvent) error {
	const what = "postgres: revoke token"
	if err := checkEvent(ev, what); err != nil {
		return err
	}
	var sealed *callvault.AuditEvent
	err := db.inTx(ctx, what, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE tokens SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL`, id)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return callvault.Errorf(callvault.KindNotFound, "%s: no live token with that ID", what)
		}
		sealed, err = db.appendAudit(ctx, tx, ev)
		return err
	})
	if err != nil {
		return err
	}
	*ev = *sealed
	return nil
}

func scanToken(row pgx.Row) (*callvault.Token, error) {
	var t callvault.Token
	var role string
	var revoked *time.Time
	if err := row.Scan(&t.ID, &t.Name, &role, &t.Hash, &t.CreatedAt, &revoked); err != nil {
		return nil, err
	}
	t.Role = callvault.Role(role)
	t.CreatedAt = t.CreatedAt.UTC()
	if revoked != nil {
		r := revoked.UTC()
		t.RevokedAt = &r
	}
	return &t, nil
}

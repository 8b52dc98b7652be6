package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/callvault/callvault"
)

var (
	_ callvault.PasskeyStore    = (*DB)(nil)
	_ callvault.PasskeyImporter = (*DB)(nil)
)

// CreatePasskey inserts k and ev; KindConflict if the credential ID is registered already.
func (db *DB) CreatePasskey(ctx context.Context, k *callvault.Passkey, ev *callvault.AuditEvent) error {
	const what = "postgres: create passkey"
	if k == nil || k.ID == "" || k.UserID == "" || len(k.Credential) == 0 {
		return callvault.Errorf(callvault.KindInvalid, "%s: a passkey with an ID, user and credential is required", what)
	}
	return db.change(ctx, what, ev, func(tx pgx.Tx) error { return insertPasskey(ctx, tx, k) })
}

// ImportPasskey stores k as given, without an audit event; KindConflict if it exists.
func (db *DB) ImportPasskey(ctx context.Context, k *callvault.Passkey) error {
	const what = "postgres: import passkey"
	if k == nil || k.ID == "" || k.UserID == "" || len(k.Credential) == 0 {
		return callvault.Errorf(callvault.KindInvalid, "%s: a passkey with an ID, user and credential is required", what)
	}
	return db.inTx(ctx, what, func(tx pgx.Tx) error { return insertPasskey(ctx, tx, k) })
}

func insertPasskey(ctx context.Context, tx pgx.Tx, k *callvault.Passkey) error {
	_, err := tx.Exec(ctx, `INSERT INTO passkeys (id, user_id, name, credential, sign_count, created_at, last_used_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, k.ID, k.UserID, k.Name, string(k.Credential), int64(k.SignCount),
		k.CreatedAt, k.LastUsedAt)
	return err
}

// Passkeys returns the user's passkeys, oldest first.
func (db *DB) Passkeys(ctx context.Context, userID string) ([]*callvault.Passkey, error) {
	const what = "postgres: passkeys"
	rows, err := db.pool.Query(ctx, `SELECT id, user_id, name, credential, sign_count, created_at, last_used_at
		FROM passkeys WHERE user_id = $1 ORDER BY created_at, id`, userID)
	if err != nil {
		return nil, translate(err, what)
	}
	defer rows.Close()
	var out []*callvault.Passkey
	for rows.Next() {
		var (
			k     callvault.Passkey
			cred  string
			count int64
		)
		if err := rows.Scan(&k.ID, &k.UserID, &k.Name, &cred, &count, &k.CreatedAt, &k.LastUsedAt); err != nil {
			return nil, translate(err, what)
		}
		k.Credential, k.SignCount, k.CreatedAt, k.LastUsedAt = []byte(cred), uint32(count), k.CreatedAt.UTC(), utcPtr(k.LastUsedAt)
		out = append(out, &k)
	}
	if err := rows.Err(); err != nil {
		return nil, translate(err, what)
	}
	return out, nil
}

// UsePasskey moves the signature counter from prev to count and appends ev; KindConflict if
// the stored counter is no longer prev.
func (db *DB) UsePasskey(ctx context.Context, id string, prev, count uint32, at time.Time, ev *callvault.AuditEvent) error {
	const what = "postgres: use passkey"
	return db.change(ctx, what, ev, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE passkeys SET sign_count = $1, last_used_at = $2 WHERE id = $3 AND sign_count = $4`,
			int64(count), at, id, int64(prev))
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 1 {
			return nil
		}
		var one int
		if err := tx.QueryRow(ctx, `SELECT 1 FROM passkeys WHERE id = $1`, id).Scan(&one); errors.Is(err, pgx.ErrNoRows) {
			return callvault.Errorf(callvault.KindNotFound, "%s: no such passkey", what)
		} else if err != nil {
			return err
		}
		return callvault.Errorf(callvault.KindConflict, "%s: the signature counter changed meanwhile", what)
	})
}

// DeletePasskey removes the user's passkey and appends ev; KindNotFound if there is none.
func (db *DB) DeletePasskey(ctx context.Context, userID, id string, ev *callvault.AuditEvent) error {
	const what = "postgres: delete passkey"
	return db.change(ctx, what, ev, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM passkeys WHERE id = $1 AND user_id = $2`, id, userID)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return callvault.Errorf(callvault.KindNotFound, "%s: no such passkey", what)
		}
		return nil
	})
}

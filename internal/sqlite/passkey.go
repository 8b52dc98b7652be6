package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/callvault/callvault"
)

var (
	_ callvault.PasskeyStore    = (*DB)(nil)
	_ callvault.PasskeyImporter = (*DB)(nil)
)

// CreatePasskey inserts k and ev; KindConflict if the credential ID is registered already.
func (db *DB) CreatePasskey(ctx context.Context, k *callvault.Passkey, ev *callvault.AuditEvent) error {
	if k == nil || ev == nil || k.ID == "" || k.UserID == "" || len(k.Credential) == 0 {
		return callvault.Errorf(callvault.KindInvalid, "sqlite: create passkey: a passkey with an ID, user and credential, and an audit event, are required")
	}
	return db.appendWith(ctx, "create passkey", ev, func(tx *sql.Tx) error { return insertPasskey(ctx, tx, k) })
}

// ImportPasskey stores k as given, without an audit event; KindConflict if it exists.
func (db *DB) ImportPasskey(ctx context.Context, k *callvault.Passkey) error {
	if k == nil || k.ID == "" || k.UserID == "" || len(k.Credential) == 0 {
		return callvault.Errorf(callvault.KindInvalid, "sqlite: import passkey: a passkey with an ID, user and credential is required")
	}
	return db.write(ctx, "import passkey", func(tx *sql.Tx) error { return insertPasskey(ctx, tx, k) })
}

func insertPasskey(ctx context.Context, tx *sql.Tx, k *callvault.Passkey) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO passkeys (id, user_id, name, credential, sign_count, created_at, last_used_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, k.ID, k.UserID, k.Name, string(k.Credential), int64(k.SignCount),
		micros(k.CreatedAt), optMicros(k.LastUsedAt))
	return err
}

// Passkeys returns the user's passkeys, oldest first.
func (db *DB) Passkeys(ctx context.Context, userID string) ([]*callvault.Passkey, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT id, user_id, name, credential, sign_count, created_at, last_used_at
		FROM passkeys WHERE user_id = ? ORDER BY created_at, id`, userID)
	if err != nil {
		return nil, translate(err, "read passkeys")
	}
	defer rows.Close()
	var out []*callvault.Passkey
	for rows.Next() {
		var (
			k       callvault.Passkey
			cred    string
			count   int64
			created int64
			used    sql.NullInt64
		)
		if err := rows.Scan(&k.ID, &k.UserID, &k.Name, &cred, &count, &created, &used); err != nil {
			return nil, translate(err, "read passkeys")
		}
		k.Credential, k.SignCount, k.CreatedAt, k.LastUsedAt = []byte(cred), uint32(count), fromMicros(created), optTime(used)
		out = append(out, &k)
	}
	if err := rows.Err(); err != nil {
		return nil, translate(err, "read passkeys")
	}
	return out, nil
}

// UsePasskey moves the signature counter from prev to count and appends ev; KindConflict if
// the stored counter is no longer prev.
func (db *DB) UsePasskey(ctx context.Context, id string, prev, count uint32, at time.Time, ev *callvault.AuditEvent) error {
	if ev == nil {
		return callvault.Errorf(callvault.KindInvalid, "sqlite: use passkey: an audit event is required")
	}
	return db.appendWith(ctx, "use passkey", ev, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE passkeys SET sign_count = ?, last_used_at = ? WHERE id = ? AND sign_count = ?`,
			int64(count), micros(at), id, int64(prev))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 1 {
			return nil
		}
		var one int
		if err := tx.QueryRowContext(ctx, `SELECT 1 FROM passkeys WHERE id = ?`, id).Scan(&one); err == sql.ErrNoRows {
			return notFound("no such passkey")
		} else if err != nil {
			return err
		}
		return callvault.Errorf(callvault.KindConflict, "sqlite: use passkey: the signature counter changed meanwhile")
	})
}

// DeletePasskey removes the user's passkey and appends ev; KindNotFound if there is none.
func (db *DB) DeletePasskey(ctx context.Context, userID, id string, ev *callvault.AuditEvent) error {
	if ev == nil {
		return callvault.Errorf(callvault.KindInvalid, "sqlite: delete passkey: an audit event is required")
	}
	return db.appendWith(ctx, "delete passkey", ev, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM passkeys WHERE id = ? AND user_id = ?`, id, userID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound("no such passkey")
		}
		return nil
	})
}

package sqlite

import (
	"context"
	"database/sql"

	"github.com/callvault/callvault"
)

var _ callvault.KeyStore = (*DB)(nil)

// AddVaultKeys records keys and appends ev in one transaction; KindConflict, writing nothing, if
// a key of the same kind and epoch is recorded already.
func (db *DB) AddVaultKeys(ctx context.Context, keys []*callvault.VaultKey, ev *callvault.AuditEvent) error {
	if ev == nil || len(keys) == 0 {
		return callvault.Errorf(callvault.KindInvalid, "sqlite: record vault keys: keys and their audit event are required")
	}
	for _, k := range keys {
		if err := k.Validate(); err != nil {
			return prefixed(err, "record vault keys")
		}
	}
	return db.appendWith(ctx, "record vault keys", ev, func(tx *sql.Tx) error {
		for _, k := range keys {
			if err := insertVaultKey(ctx, tx, k); err != nil {
				return err
			}
		}
		return nil
	})
}

// ImportVaultKey records k as given, without an audit event; KindConflict if a key of its kind
// and epoch is recorded already.
func (db *DB) ImportVaultKey(ctx context.Context, k *callvault.VaultKey) error {
	if err := k.Validate(); err != nil {
		return prefixed(err, "import vault key")
	}
	return db.write(ctx, "import vault key", func(tx *sql.Tx) error {
		return insertVaultKey(ctx, tx, k)
	})
}

func insertVaultKey(ctx context.Context, tx *sql.Tx, k *callvault.VaultKey) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO vault_keys (kind, epoch, public, created_at) VALUES (?, ?, ?, ?)`,
		string(k.Kind), k.Epoch, k.Public, micros(k.CreatedAt))
	if e := translate(err, "record vault key"); callvault.IsKind(e, callvault.KindConflict) {
		return callvault.WrapError(callvault.KindConflict, err,
			"sqlite: the vault's "+string(k.Kind)+" key of epoch \""+k.Epoch+"\" is recorded already")
	}
	return err
}

// VaultKeys returns every recorded key ordered by kind, then epoch.
func (db *DB) VaultKeys(ctx context.Context) ([]*callvault.VaultKey, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT kind, epoch, public, created_at FROM vault_keys ORDER BY kind, epoch`)
	if err != nil {
		return nil, translate(err, "read vault keys")
	}
	defer rows.Close()
	var out []*callvault.VaultKey
	for rows.Next() {
		var (
			k  callvault.VaultKey
			us int64
		)
		if err := rows.Scan(&k.Kind, &k.Epoch, &k.Public, &us); err != nil {
			return nil, translate(err, "read vault keys")
		}
		k.CreatedAt = fromMicros(us)
		out = append(out, &k)
	}
	if err := rows.Err(); err != nil {
		return nil, translate(err, "read vault keys")
	}
	return out, nil
}

package postgres

import (
	"context"

	"github.com/callvault/callvault"
	"github.com/jackc/pgx/v5"
)

var _ callvault.KeyStore = (*DB)(nil)

// AddVaultKeys records keys and appends ev atomically; KindConflict, writing nothing, if a key
// of the same kind and epoch is recorded already.
func (db *DB) AddVaultKeys(ctx context.Context, keys []*callvault.VaultKey, ev *callvault.AuditEvent) error {
	const what = "postgres: record vault keys"
	if err := checkEvent(ev, what); err != nil {
		return err
	}
	if len(keys) == 0 {
		return callvault.Errorf(callvault.KindInvalid, "%s: no keys given", what)
	}
	for _, k := range keys {
		if err := k.Validate(); err != nil {
			return prefixed(err, what)
		}
	}
	var sealed *callvault.AuditEvent
	err := db.inTx(ctx, what, func(tx pgx.Tx) error {
		for _, k := range keys {
			if err := insertVaultKey(ctx, tx, k); err != nil {
				return err
			}
		}
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

// ImportVaultKey records k as given, without an audit event; KindConflict if a key of its kind
// and epoch is recorded already.
func (db *DB) ImportVaultKey(ctx context.Context, k *callvault.VaultKey) error {
	const what = "postgres: import vault key"
	if err := k.Validate(); err != nil {
		return prefixed(err, what)
	}
	return db.inTx(ctx, what, func(tx pgx.Tx) error {
		return insertVaultKey(ctx, tx, k)
	})
}

func insertVaultKey(ctx context.Context, tx pgx.Tx, k *callvault.VaultKey) error {
	_, err := tx.Exec(ctx, `INSERT INTO vault_keys (kind, epoch, public, created_at) VALUES ($1, $2, $3, $4)`,
		string(k.Kind), k.Epoch, k.Public, k.CreatedAt)
	return err
}

// VaultKeys returns every recorded key ordered by kind, then epoch (byte order, as on SQLite).
func (db *DB) VaultKeys(ctx context.Context) ([]*callvault.VaultKey, error) {
	const what = "postgres: read vault keys"
	rows, err := db.pool.Query(ctx, `SELECT kind, epoch, public, created_at FROM vault_keys
		ORDER BY kind COLLATE "C", epoch COLLATE "C"`)
	if err != nil {
		return nil, translate(err, what)
	}
	keys, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*callvault.VaultKey, error) {
		var k callvault.VaultKey
		var kind string
		if err := row.Scan(&kind, &k.Epoch, &k.Public, &k.CreatedAt); err != nil {
			return nil, err
		}
		k.Kind = callvault.VaultKeyKind(kind)
		k.CreatedAt = k.CreatedAt.UTC()
		return &k, nil
	})
	return keys, translate(err, what)
}

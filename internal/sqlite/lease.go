package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/callvault/callvault"
)

// AcquireLease takes or renews the named lease for holder until now+ttl. It returns false if
// another holder's lease has not expired. Expiry is judged by this machine's clock, which is
// shared by every process using the same SQLite file.
func (db *DB) AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error) {
	if name == "" || holder == "" || ttl <= 0 {
		return false, callvault.Errorf(callvault.KindInvalid,
			"sqlite: acquire lease: name, holder and a positive ttl are required (got %q, %q, %s)", name, holder, ttl)
	}
	var held bool
	err := db.write(ctx, "acquire lease", func(tx *sql.Tx) error {
		now := time.Now()
		res, err := tx.ExecContext(ctx, `INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, ?)
			ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
			WHERE leases.holder = excluded.holder OR leases.expires_at <= ?`,
			name, holder, micros(now.Add(ttl)), micros(now))
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		held = n == 1
		return err
	})
	return held, err
}

// ReleaseLease gives the lease up if holder holds it; otherwise it does nothing.
func (db *DB) ReleaseLease(ctx context.Context, name, holder string) error {
	return db.write(ctx, "release lease", func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM leases WHERE name = ? AND holder = ?`, name, holder)
		return err
	})
}

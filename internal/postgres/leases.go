package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/callvault/callvault"
	"github.com/jackc/pgx/v5"
)

// AcquireLease takes or renews the named lease for holder until now+ttl. It succeeds when the
// lease is free, expired, or already held by holder. Expiry is judged by the database's clock
// (now()), so the clocks of the nodes do not matter.
func (db *DB) AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error) {
	const what = "postgres: acquire lease"
	if name == "" || holder == "" || ttl <= 0 {
		return false, callvault.Errorf(callvault.KindInvalid,
			"%s: name, holder and a positive ttl are required (got %q, %q, %s)", what, name, holder, ttl)
	}
	micros := (ttl + time.Microsecond - 1) / time.Microsecond // the database keeps microseconds
	var got string
	err := db.pool.QueryRow(ctx, `INSERT INTO leases (name, holder, expires_at)
		VALUES ($1, $2, now() + $3::bigint * interval '1 microsecond')
		ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
		WHERE leases.holder = excluded.holder OR leases.expires_at <= now()
		RETURNING holder`, name, holder, int64(micros)).Scan(&got)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil // another holder has an unexpired lease
	}
	if err != nil {
		if retryable(err) {
			// Two first-time acquirers raced on the insert; the loser simply does not hold it.
			return false, nil
		}
		return false, translate(err, what)
	}
	return got == holder, nil
}

// ReleaseLease gives the lease up if holder holds it; otherwise it does nothing.
func (db *DB) ReleaseLease(ctx context.Context, name, holder string) error {
	_, err := db.pool.Exec(ctx, `DELETE FROM leases WHERE name = $1 AND holder = $2`, name, holder)
	return translate(err, "postgres: release lease")
}

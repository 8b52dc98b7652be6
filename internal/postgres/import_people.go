package postgres

import (
	"context"

	"github.com/callvault/callvault"
	"github.com/jackc/pgx/v5"
)

var _ callvault.PeopleImporter = (*DB)(nil)

// ImportUser stores u as given; KindConflict if its ID or name exists.
func (db *DB) ImportUser(ctx context.Context, u *callvault.User) error {
	const what = "postgres: import user"
	if err := u.Validate(); err != nil {
		return prefixed(err, what)
	}
	return db.inTx(ctx, what, func(tx pgx.Tx) error { return insertUser(ctx, tx, u) })
}

// ImportAccessRequest stores r and, if not nil, its grant as given; KindConflict if r exists.
func (db *DB) ImportAccessRequest(ctx context.Context, r *callvault.AccessRequest, g *callvault.Grant) error {
	const what = "postgres: import access request"
	if r == nil || !callvault.ValidID(r.ID) || !r.Purpose.Valid() {
		return callvault.Errorf(callvault.KindInvalid, "%s: a request with an ID and purpose is required", what)
	}
	return db.inTx(ctx, what, func(tx pgx.Tx) error {
		if err := insertRequest(ctx, tx, r); err != nil {
			return err
		}
		if g == nil {
			return nil
		}
		if _, err := tx.Exec(ctx, `INSERT INTO grants (id, request_id, user_id, download, created_at, expires_at, revoked_at, revoked_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, g.ID, g.RequestID, g.UserID, g.Download, g.CreatedAt, g.ExpiresAt,
			g.RevokedAt, g.RevokedBy); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO grant_recordings (grant_id, recording_id) SELECT $1, unnest($2::text[])`, g.ID, g.RecordingIDs)
		return err
	})
}

// ImportDelegation stores d as given; KindConflict if it exists.
func (db *DB) ImportDelegation(ctx context.Context, d *callvault.Delegation) error {
	const what = "postgres: import delegation"
	if d == nil || !callvault.ValidID(d.ID) {
		return callvault.Errorf(callvault.KindInvalid, "%s: a delegation with an ID is required", what)
	}
	return db.inTx(ctx, what, func(tx pgx.Tx) error { return insertDelegation(ctx, tx, d) })
}
